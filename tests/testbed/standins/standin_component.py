# TEST STAND-IN support: kube-controller-manager and kube-scheduler stand-ins (not the real programs).
# Strict flag parsing, every file their flags name must exist and load, the kubeconfig must hold a usable client
# certificate; they serve /healthz over HTTPS on --bind-address:<port> (self-signed, as the real ones do without
# --tls-cert-file) and answer ok only while the API server from the kubeconfig answers /readyz with that client cert.
import base64, http.server, os, ssl, subprocess, sys, tempfile, urllib.request

import yaml  # Debian: python3-yaml
from standin_common import die, parse_flags

COMMON = ["kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig", "bind-address", "leader-elect", "v",
          "feature-gates", "profiling", "secure-port"]


def load_kubeconfig(prog, path, tmp):
    try:
        kc = yaml.safe_load(open(path))
        cluster = kc["clusters"][0]["cluster"]
        user = kc["users"][0]["user"]
        files = {}
        for k in ("certificate-authority-data", "client-certificate-data", "client-key-data"):
            src = cluster if k.startswith("certificate-authority") else user
            p = os.path.join(tmp, k)
            with open(os.open(p, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                f.write(base64.b64decode(src[k]))
            files[k] = p
        ctx = ssl.create_default_context(cafile=files["certificate-authority-data"])
        ctx.load_cert_chain(files["client-certificate-data"], files["client-key-data"])
        return cluster["server"], ctx
    except (OSError, KeyError, IndexError, TypeError, yaml.YAMLError, ssl.SSLError, ValueError) as e:
        die(prog, f"invalid kubeconfig {path}: {e}")


def run(prog, port, file_flags, extra_flags):
    flags, _ = parse_flags(prog, sys.argv[1:], {f: "str" for f in COMMON + file_flags + extra_flags})
    for f in file_flags:
        if f in flags and not os.path.isfile(flags[f]):
            die(prog, f"--{f}: open {flags[f]}: no such file or directory")
    for f in ("kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig"):
        if f in flags and not os.path.isfile(flags[f]):
            die(prog, f"--{f}: stat {flags[f]}: no such file or directory")
    if "kubeconfig" not in flags:
        die(prog, "--kubeconfig is required by this stand-in (kubeadm always sets it)")
    tmp = tempfile.mkdtemp(prefix=prog + "-")
    server, client_ctx = load_kubeconfig(prog, flags["kubeconfig"], tmp)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", f"{tmp}/tls.key", "-out", f"{tmp}/tls.crt", "-days", "1", "-subj", f"/CN={prog}"],
                   check=True, capture_output=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            try:
                with urllib.request.urlopen(server + "/readyz", context=client_ctx, timeout=3) as r:
                    ok = r.status == 200
            except Exception:  # noqa: BLE001
                ok = False
            body = b"ok" if ok else b"[-]api server not ready\nhealthz check failed"
            self.send_response(200 if ok else 500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    addr = (flags.get("bind-address", "127.0.0.1"), int(flags.get("secure-port", port)))
    srv = http.server.ThreadingHTTPServer(addr, Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{tmp}/tls.crt", f"{tmp}/tls.key")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stderr.write(f"{prog} stand-in serving /healthz on https://{addr[0]}:{addr[1]} (API server {server})\n")
    srv.serve_forever()
