# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: turns make's output on stdin into a line every 10 compiled
# files and one per library or program linked, each with the time since $2 (date +%s), so that a long build is not
# silent and not a wall of lines either (make's percentages count the whole project, not the targets built, so
# they jump). A bash loop, not awk: Debian's mawk reads a pipe in blocks and printed everything at the end.
# Usage:
#   cmake --build DIR --target T | build_progress PREFIX START
build_progress() {
  local prefix=$1 t0=$2 n=0 line now
  stamp() {
    printf -v now '%(%s)T' -1
    now=$((now - t0))
    printf '%s: [%d:%02d]' "$prefix" $((now / 60)) $((now % 60))
  }
  while IFS= read -r line; do
    case $line in
      *" Building "*) n=$((n + 1)) && ((n % 10 != 0)) || echo "$(stamp) compiled $n files" ;;
      *" Linking "*) echo "$(stamp) linking ${line##* }" ;;
    esac
  done
  echo "$(stamp) compiled $n files in all"
}
