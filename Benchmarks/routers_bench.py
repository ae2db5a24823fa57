#!/usr/bin/env python3
"""Routers benchmark (root; FRR and BIRD 2 installed; loopback and network namespaces only).

1. Time from a configureSession call (over HTTP, to `peerledger serve`) to the session observed
   established by `peerledger routers poll`, against BGP's own time to establish (the same
   neighbor configured with vtysh directly, watched with vtysh): the floor.
2. One poll of a router with 1,000 neighbors (FRR, passive neighbors so nothing changes between
   polls) and 1,000 sessions in the ledger: the time, and the events appended (the aim: zero).

Usage: sudo python3 Benchmarks/routers_bench.py [path/to/peerledger]
Everything it starts is stopped by pid, and its namespaces deleted, even on failure.
"""
import base64, hashlib, hmac, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time
import urllib.parse, urllib.request, uuid

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/peerledger")
TAG = uuid.uuid4().hex[:6]
LAB = tempfile.mkdtemp(prefix=f"peerledger-bench-{TAG}-")
NS_A, NS_B = f"pbA-{TAG}", f"pbB-{TAG}"
FRR = f"{LAB}/frr"
DB = f"{LAB}/ledger.sqlite"
pids = []


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, **kw)


def vtysh(*commands):
    args = ["ip", "netns", "exec", NS_A, "vtysh", "--vty_socket", FRR]
    for c in commands:
        args += ["-c", c]
    return sh(*args).stdout


def setup():
    os.chmod(LAB, 0o755)
    sh("ip", "netns", "add", NS_A); sh("ip", "netns", "add", NS_B)
    sh("ip", "link", "add", f"ba{TAG}", "type", "veth", "peer", "name", f"bb{TAG}")
    sh("ip", "link", "set", f"ba{TAG}", "netns", NS_A); sh("ip", "link", "set", f"bb{TAG}", "netns", NS_B)
    sh("ip", "-n", NS_A, "addr", "add", "10.0.0.1/30", "dev", f"ba{TAG}")
    sh("ip", "-n", NS_B, "addr", "add", "10.0.0.2/30", "dev", f"bb{TAG}")
    for ns, link in ((NS_A, f"ba{TAG}"), (NS_B, f"bb{TAG}")):
        sh("ip", "-n", ns, "link", "set", "lo", "up"); sh("ip", "-n", ns, "link", "set", link, "up")
    sh("install", "-d", "-o", "frr", "-g", "frr", FRR)
    sh("install", "-d", "-o", "frr", "-g", "frr", f"{LAB}/frr-etc")  # keeps write away from /etc/frr
    # Without it vtysh asks bgpd to save its own file, which it cannot here, and the push is not_saved.
    with open(f"{LAB}/frr-etc/vtysh.conf", "w") as f:
        f.write("service integrated-vtysh-config\n")
    with open(f"{LAB}/frr.conf", "w") as f:
        f.write("frr defaults traditional\nrouter bgp 65001\n bgp router-id 10.0.0.1\n no bgp ebgp-requires-policy\n")
    shutil.chown(f"{LAB}/frr.conf", "frr", "frr")
    sh("ip", "netns", "exec", NS_A, "/usr/lib/frr/zebra", "-d", "-f", "/dev/null", "--vty_socket", FRR, "-z", f"{FRR}/zserv.api", "-i", f"{FRR}/zebra.pid")
    sh("ip", "netns", "exec", NS_A, "/usr/lib/frr/bgpd", "-d", "-f", f"{LAB}/frr.conf", "--vty_socket", FRR, "-z", f"{FRR}/zserv.api", "-i", f"{FRR}/bgpd.pid")
    routes = "".join(f"  route 100.64.{i // 256}.{i % 256}/32 blackhole;\n" for i in range(10))
    with open(f"{LAB}/bird.conf", "w") as f:
        f.write(f"router id 10.0.0.2;\nprotocol device {{}}\nprotocol static announced {{\n  ipv4;\n{routes}}}\n"
                "protocol bgp ourrouter {\n  local 10.0.0.2 as 65002; neighbor 10.0.0.1 as 65001; connect retry time 1;\n"
                "  ipv4 { import all; export where proto = \"announced\"; };\n}\n")
    sh("ip", "netns", "exec", NS_B, "bird", "-c", f"{LAB}/bird.conf", "-s", f"{LAB}/bird.ctl", "-P", f"{LAB}/bird.pid")
    for _ in range(50):
        if sh("ip", "netns", "exec", NS_A, "vtysh", "--vty_socket", FRR, "-c", "show bgp summary json", check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("FRR did not start")


def teardown():
    for p in pids:
        try: os.kill(p, signal.SIGTERM)
        except ProcessLookupError: pass
    files = [f"{LAB}/bird.pid", f"{FRR}/bgpd.pid", f"{FRR}/zebra.pid"]
    daemons = []
    for path in files:
        try:
            daemons.append(int(open(path).read().strip()))
        except (OSError, ValueError):
            pass
    for p in daemons:
        try: os.kill(p, signal.SIGTERM)
        except ProcessLookupError: pass
    deadline = time.time() + 5
    while time.time() < deadline and any(alive(p) for p in daemons):
        time.sleep(0.1)
    for p in daemons:
        if alive(p): os.kill(p, signal.SIGKILL)
    sh("ip", "netns", "del", NS_A, check=False); sh("ip", "netns", "del", NS_B, check=False)
    shutil.rmtree(LAB, ignore_errors=True)


def alive(pid):
    try:
        os.kill(pid, 0); return True
    except ProcessLookupError:
        return False


class Server:
    """`peerledger serve` on a free loopback port, called with signed requests."""
    def __init__(self):
        key = json.loads(sh(BIN, "keys", "create", "--db", DB, "--name", "bench").stdout)
        self.key, self.secret = key["apiKey"], key["secret"]
        self.proc = subprocess.Popen([BIN, "serve", "--db", DB, "--port", "0", "--poll-interval", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        pids.append(self.proc.pid)
        line = self.proc.stdout.readline()
        self.url = re.search(r"(http://\S+)", line).group(1)

    def call(self, **params):
        query = urllib.parse.urlencode({"target": "peering", **params, "apiKey": self.key})
        digest = base64.b64encode(hmac.new(self.secret.encode(), query.encode(), hashlib.sha256).digest()).decode()
        body = (query + "&hash=" + urllib.parse.quote_plus(digest)).encode()
        with urllib.request.urlopen(urllib.request.Request(self.url, data=body), timeout=60) as r:
            return json.loads(r.read())


def wait_established_vtysh(address):
    start = time.monotonic()
    while time.monotonic() - start < 30:
        out = json.loads(vtysh(f"show bgp neighbors {address} json") or "{}")
        if out.get(address, {}).get("bgpState") == "Established":
            return time.monotonic() - start
        time.sleep(0.05)
    raise RuntimeError("not established in 30 s")


def wait_down_vtysh(address):
    while json.loads(vtysh(f"show bgp neighbors {address} json") or "{}").get(address, {}).get("bgpState") == "Established":
        time.sleep(0.05)


def main():
    setup()
    sh(BIN, "init", "--db", DB)  # only serve, keys create and init create a ledger
    sh(BIN, "routers", "add", "--db", DB, "--id", "422", "--name", "ar1.inoc.com", "--platform", "frr",
       "--access", "local", "--vtysh-socket", FRR, "--vtysh-config-dir", f"{LAB}/frr-etc", "--netns", NS_A)
    server = Server()
    added = server.call(action="addSession", public_id="1", source_asn="65001", source_ipaddr="10.0.0.1",
                        resource_id="422", peer_asn="65002", peer_name="BIRD peer", peer_ipaddr="10.0.0.2")
    assert added["success"] == 1, added
    t = time.monotonic(); sh(BIN, "routers", "list", "--db", DB); cli_start = time.monotonic() - t

    floors, ours, polls = [], [], []
    for _ in range(3):
        # The floor: BGP's own time from the neighbor command to Established.
        t0 = time.monotonic()
        vtysh("conf t", "router bgp 65001", "neighbor 10.0.0.2 remote-as 65002")
        floors.append(time.monotonic() - t0 + wait_established_vtysh("10.0.0.2"))
        vtysh("conf t", "router bgp 65001", "no neighbor 10.0.0.2"); wait_down_vtysh("10.0.0.2"); time.sleep(1.5)
        # PeerLedger: configureSession over HTTP, then `routers poll` until getSessions says established.
        t0 = time.monotonic()
        answer = server.call(action="configureSession", session_id="1")
        assert answer["success"] == 1, answer
        n = 0
        while True:
            n += 1
            sh(BIN, "routers", "poll", "--db", DB)
            state = server.call(action="getSessions", public_id="1")["data"][0]["state"]
            if state == "established":
                break
        ours.append(time.monotonic() - t0); polls.append(n)
        vtysh("conf t", "router bgp 65001", "no neighbor 10.0.0.2"); wait_down_vtysh("10.0.0.2"); time.sleep(1.5)

    # 1,000 passive neighbors (they never connect, so their state stays Active) and their sessions.
    lines = ["router bgp 65001"]
    for i in range(1000):
        lines += [f" neighbor 10.1.{i // 250}.{i % 250 + 1} remote-as {64600 + i % 100}", f" neighbor 10.1.{i // 250}.{i % 250 + 1} passive"]
    with open(f"{LAB}/many.conf", "w") as f:
        f.write("\n".join(lines) + "\n")
    t = time.monotonic()
    sh("ip", "netns", "exec", NS_A, "vtysh", "--vty_socket", FRR, "-f", f"{LAB}/many.conf")
    load = time.monotonic() - t
    t = time.monotonic()
    for i in range(1000):
        r = server.call(action="addSession", public_id="1", source_asn="65001", resource_id="422",
                        peer_asn=str(64600 + i % 100), peer_name=f"Peer {i}", peer_ipaddr=f"10.1.{i // 250}.{i % 250 + 1}")
        assert r["success"] == 1, r
    adds = time.monotonic() - t
    out_bytes = len(vtysh("show bgp neighbors json"))
    first = sh(BIN, "routers", "poll", "--db", DB).stdout.splitlines()[0]
    runs = []
    for _ in range(3):
        t = time.monotonic()
        out = sh(BIN, "routers", "poll", "--db", DB).stdout.splitlines()[0]
        runs.append((time.monotonic() - t, out))
    t = time.monotonic(); vtysh("show bgp neighbors json"); vtysh_only = time.monotonic() - t

    print(f"binary: {BIN}")
    print(f"CLI start-up (routers list): {cli_start:.3f} s")
    print("configureSession -> observed established (s): " + ", ".join(f"{x:.2f}" for x in ours)
          + f"  (polls needed: {polls}); median {statistics.median(ours):.2f} s")
    print("BGP floor, vtysh neighbor -> Established (s): " + ", ".join(f"{x:.2f}" for x in floors)
          + f"; median {statistics.median(floors):.2f} s")
    print(f"1,000 neighbors loaded into FRR in {load:.2f} s; 1,000 addSession over HTTP in {adds:.2f} s")
    print(f"show bgp neighbors json with 1,000 neighbors: {out_bytes} bytes, {vtysh_only:.2f} s by itself")
    print(f"first poll: {first}")
    for seconds, out in runs:
        print(f"poll with nothing changed: {seconds:.2f} s (CLI process included): {out}")


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    try:
        main()
    finally:
        teardown()
