// The etcd leader as the steps that restart one member at a time see it (apply's certificate restart,
// bootstrap/phase_restart.cpp; upgrade's etcd member phase, upgrade/phase_etcd_members.cpp): leadership handed
// over before the leader's own member restarts, so the cluster never runs an election it can avoid; and the leader's
// raft index, which a restarted member must have applied to count as caught up.
#pragma once
#include <cstdint>
#include <string>

#include "core/inventory.hpp"

namespace kforge {

class Applier;

// Moves etcd leadership from h's member to another healthy started voting member when h's member leads (MoveLeader);
// returns a note for the progress line ("leadership moved to cp2, "), "" when nothing was moved.
std::string handOverLeadership(Applier& a, const Host& h);

// The leader's raft index now: every etcd host's member asked on its own endpoint (2 s each), the one that reports
// itself the leader gives it; 0 when none does.
uint64_t leaderRaftIndex(Applier& a);

}  // namespace kforge
