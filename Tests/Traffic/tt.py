#!/usr/bin/python3
"""Small traffic helpers for the LVS end-to-end tests (run inside test namespaces).

  tt.py udp-server NAME PORT
      UDP echo: answers every datagram with "NAME <payload>".
  tt.py http-client HOST PORTS COUNT [--delay S] [--timeout S] [--deadline S] [--stop F]
                    [--source ADDR]
      COUNT sequential HTTP/1.0 GETs of /id, each on a new TCP connection
      (Connection: close). PORTS is a comma list used in turn. With --stop FILE,
      stops early (before a request) once FILE exists. --source: the client address.
      Prints one line per request: "INDEX PORT NAME" or "INDEX PORT FAIL reason".
  tt.py udp-client HOST PORT COUNT [--timeout S] [--deadline S]
      COUNT datagrams "ping-NNNN", each from a new socket (new source port).
      Prints "INDEX PORT NAME" or "INDEX PORT FAIL reason".
  tt.py echo-server NAME PORT
      TCP line echo: answers every line on every connection with "NAME <line>".
  tt.py stream-client HOST PORT [--deadline S] [--stop F] [--delay S]
      One long-lived TCP connection: a line every --delay seconds (default 0.2),
      each answer read back, until FILE exists or the deadline; then closes with a
      reset. Prints "NAME" of the first answer at once, and at the end
      "DONE sent=N received=N servers=A,B" or "FAIL reason after N lines".
Every call is bounded by --timeout per request and --deadline overall.
"""
import os
import socket
import sys
import time


def options(args):
    opts = {"--delay": 0.0, "--timeout": 3.0, "--deadline": 60.0, "--stop": "", "--source": ""}
    rest = []
    i = 0
    while i < len(args):
        if args[i] in opts:
            opts[args[i]] = args[i + 1] if args[i] in ("--stop", "--source") else float(args[i + 1])
            i += 2
        else:
            rest.append(args[i])
            i += 1
    return rest, opts


def udp_server(name, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(name.encode() + b" " + data, peer)


def http_client(host, ports, count, opts):
    ports = [int(p) for p in ports.split(",")]
    end = time.monotonic() + opts["--deadline"]
    for i in range(1, int(count) + 1):
        port = ports[(i - 1) % len(ports)]
        if opts["--stop"] and os.path.exists(opts["--stop"]):
            break
        if time.monotonic() > end:
            print(f"{i} {port} FAIL deadline", flush=True)
            continue
        # Raw HTTP/1.0 over a fresh socket (http.client imports far too much for
        # the emulated guest); the server closes after the reply.
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(opts["--timeout"])
        try:
            if opts["--source"]:
                s.bind((opts["--source"], 0))
            s.connect((host, port))
            s.sendall(b"GET /id HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" % host.encode())
            reply = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
            head, _, body = reply.partition(b"\r\n\r\n")
            status = head.split(b" ", 2)[1:2]
            body = body.decode(errors="replace").strip()
            if status != [b"200"] or not body:
                print(f"{i} {port} FAIL status-{status}", flush=True)
            else:
                print(f"{i} {port} {body}", flush=True)
        except Exception as e:  # noqa: BLE001 - any failure is reported, not fatal
            print(f"{i} {port} FAIL {type(e).__name__}", flush=True)
        finally:
            s.close()
        if opts["--delay"]:
            time.sleep(opts["--delay"])


def udp_client(host, port, count, opts):
    end = time.monotonic() + opts["--deadline"]
    for i in range(1, int(count) + 1):
        if time.monotonic() > end:
            print(f"{i} {port} FAIL deadline", flush=True)
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(opts["--timeout"])
        try:
            s.connect((host, int(port)))
            s.send(b"ping-%04d" % i)
            data = s.recv(2048).decode(errors="replace").split()
            print(f"{i} {port} {data[0] if data else 'FAIL empty'}", flush=True)
        except Exception as e:  # noqa: BLE001
            print(f"{i} {port} FAIL {type(e).__name__}", flush=True)
        finally:
            s.close()


def echo_server(name, port):
    import threading
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(16)

    def serve(conn):
        with conn:
            f = conn.makefile("rb")
            for line in f:
                conn.sendall(name.encode() + b" " + line)

    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def stream_client(host, port, opts):
    import struct
    end = time.monotonic() + opts["--deadline"]
    delay = opts["--delay"] or 0.2
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(opts["--timeout"])
    sent = received = 0
    servers = []
    try:
        s.connect((host, int(port)))
        f = s.makefile("rb")
        while time.monotonic() < end:
            if opts["--stop"] and os.path.exists(opts["--stop"]):
                break
            line = b"line-%06d\n" % sent
            s.sendall(line)
            sent += 1
            answer = f.readline()
            if not answer.endswith(b" " + line):
                print(f"FAIL bad-answer after {sent} lines", flush=True)
                return
            received += 1
            name = answer.split(b" ", 1)[0].decode()
            if name not in servers:
                servers.append(name)
                if len(servers) == 1:
                    print(name, flush=True)
            time.sleep(delay)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        print(f"DONE sent={sent} received={received} servers={','.join(servers)}", flush=True)
    except Exception as e:  # noqa: BLE001
        print(f"FAIL {type(e).__name__} after {sent} lines", flush=True)
    finally:
        s.close()


def main():
    args, opts = options(sys.argv[1:])
    cmd = args[0]
    if cmd == "udp-server":
        udp_server(args[1], args[2])
    elif cmd == "http-client":
        http_client(args[1], args[2], args[3], opts)
    elif cmd == "udp-client":
        udp_client(args[1], args[2], args[3], opts)
    elif cmd == "echo-server":
        echo_server(args[1], args[2])
    elif cmd == "stream-client":
        stream_client(args[1], args[2], opts)
    else:
        sys.exit(f"tt.py: unknown command {cmd}")


if __name__ == "__main__":
    main()
