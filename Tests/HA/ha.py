#!/usr/bin/python3
"""Long-lived TCP sessions for the high-availability tests (run inside test namespaces).

  ha.py echo-server NAME PORT
      TCP echo server, one thread per connection: sends "NAME\\n" on accept, then
      echoes every byte it receives until the peer closes.
  ha.py session HOST PORT STATUS STOP [--interval S] [--size N] [--timeout S] [--deadline S]
      One TCP connection to HOST:PORT held open: reads the server's name, then
      rounds of SIZE bytes (stamped with the round number) sent and read back in full
      and compared, one round every INTERVAL seconds. After every round STATUS is
      rewritten as "NAME ROUNDS SENT RECEIVED MAXGAP CLIENTPORT". Ends after the round during
      which the file STOP appears, when a round takes longer than TIMEOUT, on any
      error, or at DEADLINE (seconds after start). Prints one line:
      "RESULT server=NAME rounds=R sent=S received=R maxgap=G outcome=OUTCOME"
      where MAXGAP is the longest time between two completed rounds (the stall) and
      followed by "stalls=G1,G2,..." (every gap over one second, in order) and
      OUTCOME is ok (stopped by STOP), reset, closed, timeout, mismatch, deadline or
      an exception name.
Every loop is bounded by --timeout per round and --deadline overall.
"""
import os
import socket
import sys
import threading
import time


def options(args):
    opts = {"--interval": 0.1, "--size": 100, "--timeout": 30.0, "--deadline": 120.0}
    rest = []
    i = 0
    while i < len(args):
        if args[i] in opts:
            opts[args[i]] = float(args[i + 1])
            i += 2
        else:
            rest.append(args[i])
            i += 1
    return rest, opts


def serve(conn, name):
    try:
        conn.sendall(name.encode() + b"\n")
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)
    except OSError:
        pass
    finally:
        conn.close()


def echo_server(name, port):
    family = socket.AF_INET6 if socket.has_ipv6 else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", int(port)))
    s.listen(64)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, name), daemon=True).start()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def write_status(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, path)


def session(host, port, status, stop, opts):
    start = time.monotonic()
    end = start + opts["--deadline"]
    size = int(opts["--size"])
    name, rounds, sent, received, maxgap = "-", 0, 0, 0, 0.0
    stalls = []
    lport = 0
    outcome = "ok"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(opts["--timeout"])
    try:
        s.connect((host, int(port)))
        line = b""
        while not line.endswith(b"\n"):
            chunk = s.recv(1)
            if not chunk:
                raise EOFError
            line += chunk
        name = line.decode(errors="replace").strip()
        lport = s.getsockname()[1]
        last = time.monotonic()
        write_status(status, f"{name} 0 0 0 0.000 {lport}")
        while True:
            if time.monotonic() > end:
                outcome = "deadline"
                break
            stopping = os.path.exists(stop)
            payload = (b"%08d " % rounds).ljust(size - 1, b"x") + b"\n"
            s.sendall(payload)
            sent += len(payload)
            echo = recv_exact(s, len(payload))
            received += len(echo)
            if echo != payload:
                outcome = "mismatch"
                break
            rounds += 1
            now = time.monotonic()
            maxgap = max(maxgap, now - last)
            if now - last > 1.0:
                stalls.append(f"{now - last:.3f}")
            last = now
            write_status(status, f"{name} {rounds} {sent} {received} {maxgap:.3f} {lport}")
            if stopping:
                break
            time.sleep(opts["--interval"])
    except ConnectionResetError:
        outcome = "reset"
    except EOFError:
        outcome = "closed"
    except socket.timeout:
        outcome = "timeout"
    except Exception as e:  # noqa: BLE001 - any failure is the outcome, not a crash
        outcome = type(e).__name__
    finally:
        s.close()
    write_status(status, f"{name} {rounds} {sent} {received} {maxgap:.3f} {lport}")
    print(f"RESULT server={name} rounds={rounds} sent={sent} received={received} "
          f"maxgap={maxgap:.3f} stalls={','.join(stalls) or '-'} outcome={outcome}", flush=True)


def main():
    args, opts = options(sys.argv[1:])
    if args[0] == "echo-server":
        echo_server(args[1], args[2])
    elif args[0] == "session":
        session(args[1], args[2], args[3], args[4], opts)
    else:
        sys.exit(f"ha.py: unknown command {args[0]}")


if __name__ == "__main__":
    main()
