#!/bin/bash
# tests/bench/net.sh - the sandbox network side by side with its peers, in one
# run: called by run.sh (`make bench`) after the other measures, or alone.
# Appends to $BUILD/bench/results.md with run.sh's say()/ratio() (lib.sh).
#
# Theory of operation
# -------------------
# Every server runs on the host's loopback, started here; every client runs
# once behind each network stack, the same binary with the same arguments,
# and only the address it dials changes:
#
#   stack          how the client's namespace reaches the host's 127.0.0.1
#   direct         no namespace: 127.0.0.1
#   moat           moat do --network=sandbox --allow 127.0.0.1:PORT: 10.88.0.1
#   pasta          pasta --config-net: the host's default gateway, which pasta
#                  maps to the host's loopback (its default; --no-map-gw is off)
#   slirp4netns    slirp4netns --configure on a fresh user+network namespace:
#                  10.0.2.2 (--disable-host-loopback not given)
#
# 1. TCP throughput: one iperf3 server; iperf3 -c from each stack, both ways
#    (-R for host to guest), over the run and its best second (a stack that
#    stalls shows it there).  Bar: moat's guest to host at least pasta's.
# 2. Short connections: netload (a small C program written out below) opens
#    N connections one after the other (connect, 64 bytes each way, the
#    server closes); connections per second and p50/p99 of one connection.
# 3. Start to exit of /bin/true with --network=sandbox against
#    `bwrap --unshare-all` (hyperfine -N).  Bar: at most 2x bwrap.
# 4. HTTP through outbound: nginx (one worker) on the loopback, plain and TLS
#    (a self-signed certificate, given to outbound with --upstream-ca); the same
#    clients in one sandbox, where a policy rule with a method hands the
#    flows to outbound, and directly.  wrk: keep-alive requests per second
#    with 8 connections (bar: at least 80% of direct) and p99 latency with
#    one.  netload: new TLS connections per second, each with one request,
#    from 4 blocking clients (wrk busy-polls during handshakes, which on a
#    small machine starves the stack it measures); by then outbound's leaf
#    certificate for the name is cached, minted during the wrk runs.
#
# Knobs: IPERF_SECONDS (5), CRR_CONNS (5000), WRK_SECONDS (5), RUNS (30).
# Every number comes from this run; a peer that is missing or fails is shown
# as "-" and its ratios are left out.
set -u
. tests/bench/lib.sh
IPERF_SECONDS=${IPERF_SECONDS:-5}
CRR_CONNS=${CRR_CONNS:-5000}
WRK_SECONDS=${WRK_SECONDS:-5}

W=$(mktemp -d /tmp/moat-bench-net.XXXXXX)
chmod 755 "$W"	# nginx's worker reads the page as nobody
# PIDS (killed at exit, when $T_TMP goes too) and wait_file FILE, from the
# tests' helpers
T_TMP=$W
. tests/upstream.sh

# --- helpers ------------------------------------------------------------------
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_listen() {
	for _ in $(seq 100); do
		ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.05
	done
	echo "net.sh: nothing listens on port $1" >&2
	return 1
}
have() { command -v "$1" >/dev/null 2>&1; }
# a number, or "-" when a peer gave none
num() { python3 -c "import sys; v = sys.argv[1]; print(v if v else '-')" "${1:-}"; }
ratio_or_dash() { if [ -n "$1" ] && [ -n "$2" ]; then ratio "$1" "$2"; else echo -; fi; }

# netload: the clients and the echo server of items 2 and 4.
cat >"$W/netload.c" <<'EOF'
/*
 * netload serve PORT            on 127.0.0.1:PORT, answer each connection's
 *                               64 bytes with the same bytes, then close
 * netload crr ADDR PORT N       N connections one after the other: connect,
 *                               64 bytes each way, close
 * netload tls ADDR PORT NAME SECONDS THREADS
 *                               new TLS connections (SNI NAME, no resumption,
 *                               no verification, as wrk) each with one
 *                               "GET /" and "Connection: close", THREADS at a
 *                               time, for SECONDS
 * The clients print "connections-per-second p50-us p99-us".
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define MAX_SAMPLES (1 << 20)

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(double *lat, int n, double elapsed_us)
{
	if (n <= 0) {
		fprintf(stderr, "netload: no connection completed\n");
		exit(1);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("%.0f %.0f %.0f\n", n / (elapsed_us / 1e6), lat[n / 2], lat[n * 99 / 100]);
}

/* ADDR (an address or a name, looked up once) and PORT */
static struct sockaddr_in peer(const char *addr, int port)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	struct sockaddr_in a;

	if (getaddrinfo(addr, NULL, &hints, &ai) != 0) {
		fprintf(stderr, "netload: cannot resolve %s\n", addr);
		exit(1);
	}
	memcpy(&a, ai->ai_addr, sizeof(a));
	a.sin_port = htons(port);
	freeaddrinfo(ai);
	return a;
}

static int dial(const struct sockaddr_in *a)
{
	struct timeval tv = { .tv_sec = 5 };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) < 0) {
		perror("netload: connect");
		exit(1);
	}
	return fd;
}

static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 128) < 0) {
		perror("netload: bind");
		return 1;
	}
	for (;;) {
		struct timeval tv = { .tv_sec = 5 };
		char buf[MSG];
		size_t got = 0;
		ssize_t n = 0;
		int c = accept(l, NULL, NULL);

		if (c < 0)
			continue;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while (got < MSG && (n = read(c, buf + got, MSG - got)) > 0)
			got += (size_t)n;
		if (got == MSG && write(c, buf, MSG) != MSG)
			perror("netload: write");
		close(c);
	}
}

static int crr(const char *addr, int port, int n)
{
	struct sockaddr_in a = peer(addr, port);
	double *lat = calloc((size_t)n, sizeof(*lat)), t0, start = 0;
	char msg[MSG], buf[MSG + 1];

	if (!lat)
		return 2;
	memset(msg, 'x', sizeof(msg));
	for (int i = -n / 20; i < n; i++) {	/* the first 5% warm up */
		size_t got = 0;
		ssize_t r;
		int fd;

		if (i == 0)
			start = now_us();
		t0 = now_us();
		fd = dial(&a);
		if (write(fd, msg, MSG) != MSG) {
			perror("netload: write");
			return 1;
		}
		while ((r = read(fd, buf + got, sizeof(buf) - got)) > 0)
			got += (size_t)r;
		close(fd);
		if (got != MSG) {
			fprintf(stderr, "netload: connection %d: %zu bytes back\n", i, got);
			return 1;
		}
		if (i >= 0)
			lat[i] = now_us() - t0;
	}
	report(lat, n, now_us() - start);
	return 0;
}

static struct {
	struct sockaddr_in peer;
	const char *name;
	double until;
	SSL_CTX *ctx;
	pthread_mutex_t lock;
	double *lat;
	int n;
} T;

static void *tls_worker(void *arg)
{
	char req[512], buf[16384];

	(void)arg;
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
		 T.name);
	while (now_us() < T.until) {
		double t0 = now_us();
		int fd = dial(&T.peer), r, ok = 0;
		SSL *s = SSL_new(T.ctx);

		SSL_set_fd(s, fd);
		SSL_set_tlsext_host_name(s, T.name);
		if (SSL_connect(s) == 1 && SSL_write(s, req, (int)strlen(req)) > 0) {
			while ((r = SSL_read(s, buf, sizeof(buf) - 1)) > 0) {
				buf[r] = '\0';
				if (!ok && !strncmp(buf, "HTTP/1.1 200", 12))
					ok = 1;
			}
		}
		SSL_free(s);
		close(fd);
		if (!ok) {
			fprintf(stderr, "netload: a TLS connection failed\n");
			exit(1);
		}
		pthread_mutex_lock(&T.lock);
		if (T.n < MAX_SAMPLES)
			T.lat[T.n++] = now_us() - t0;
		pthread_mutex_unlock(&T.lock);
	}
	return NULL;
}

static int tls(const char *addr, int port, const char *name, int seconds, int threads)
{
	pthread_t th[64];
	double start = now_us();

	T.peer = peer(addr, port);
	T.name = name;
	T.until = start + seconds * 1e6;
	T.ctx = SSL_CTX_new(TLS_client_method());
	T.lat = calloc(MAX_SAMPLES, sizeof(*T.lat));
	pthread_mutex_init(&T.lock, NULL);
	if (!T.ctx || !T.lat || threads < 1 || threads > 64)
		return 2;
	SSL_CTX_set_session_cache_mode(T.ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(T.ctx, SSL_OP_NO_TICKET);
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, tls_worker, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	report(T.lat, T.n, now_us() - start);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "crr"))
		return crr(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 7 && !strcmp(argv[1], "tls"))
		return tls(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]), atoi(argv[6]));
	fprintf(stderr, "usage: see the comment at the top of netload.c\n");
	return 2;
}
EOF
cc -O2 -Wall -o "$B/netload" "$W/netload.c" -lssl -lcrypto -lpthread || exit 1
LOAD=$(cd "$B" && pwd)/netload

# --- the stacks ------------------------------------------------------------------
# in_STACK PORT CMD...: run CMD behind STACK, with @HOST@ in its arguments
# replaced by the address at which that stack reaches the host's loopback.
subst() {
	local host=$1 a
	shift
	ARGS=()
	for a in "$@"; do ARGS+=("${a//@HOST@/$host}"); done
}
in_direct() { shift; subst 127.0.0.1 "$@"; "${ARGS[@]}"; }
in_moat() {
	local port=$1
	shift
	subst 10.88.0.1 "$@"
	"$MOAT" do --network=sandbox --allow "127.0.0.1:$port" -v "$LOAD:$LOAD:ro" -- "${ARGS[@]}"
}
PASTA_GW=$(ip -4 route show default 2>/dev/null | awk '{ print $3; exit }')
PASTA_AS=()
[ "$(id -u)" = 0 ] && PASTA_AS=(--runas 0)	# as root, pasta would become nobody
in_pasta() {
	shift
	subst "$PASTA_GW" "$@"
	pasta --config-net -4 -q "${PASTA_AS[@]}" -- "${ARGS[@]}" 2>>"$W/pasta.log"
}
SLIRP_NS=""
in_slirp4netns() {
	shift
	subst 10.0.2.2 "$@"
	nsenter -t "$SLIRP_NS" -U -n --preserve-credentials -- "${ARGS[@]}"
}
# slirp4netns serves a namespace that exists already: a sleeping holder.
start_slirp() {
	unshare --user --map-root-user --net sh -c 'echo $$ >"$1"; exec sleep 100000' sh \
		"$W/slirp.ns" &
	PIDS+=($!)
	wait_file "$W/slirp.ns" || return 1
	SLIRP_NS=$(cat "$W/slirp.ns")
	[ -n "$SLIRP_NS" ] || return 1
	slirp4netns --configure --mtu=65520 --ready-fd=3 "$SLIRP_NS" tap0 \
		3>"$W/slirp.ready" >"$W/slirp.log" 2>&1 &
	PIDS+=($!)
	wait_file "$W/slirp.ready"
}

STACKS=(moat)
if have pasta && [ -n "$PASTA_GW" ]; then STACKS+=(pasta); else
	echo "net.sh: pasta (package passt) or a default route is missing: pasta left out" >&2
fi
if have slirp4netns && start_slirp; then STACKS+=(slirp4netns); else
	echo "net.sh: slirp4netns is missing or did not start: left out" >&2
fi

# --- 1. TCP throughput -------------------------------------------------------------
IPORT=$(free_port)
iperf3 -s -B 127.0.0.1 -p "$IPORT" >"$W/iperf3-server.log" 2>&1 &
PIDS+=($!)
wait_listen "$IPORT" || exit 1
# "mean best" Gbit/s of an iperf3 -J report: the whole run and its best second
gbits() {
	python3 -c 'import json, sys
try:
    d = json.load(open(sys.argv[1]))
    secs = [i["sum"]["bits_per_second"] for i in d["intervals"] if not i["sum"].get("omitted")]
    print("%.2f %.2f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9, max(secs) / 1e9))
except Exception:
    print("")' "$1"
}
declare -A UP UPBEST DOWN DOWNBEST
for s in "${STACKS[@]}"; do
	"in_$s" "$IPORT" iperf3 -c @HOST@ -p "$IPORT" -t "$IPERF_SECONDS" -O 1 -J \
		>"$W/up-$s.json" 2>"$W/up-$s.err"
	"in_$s" "$IPORT" iperf3 -c @HOST@ -p "$IPORT" -t "$IPERF_SECONDS" -O 1 -J -R \
		>"$W/down-$s.json" 2>"$W/down-$s.err"
	read -r UP[$s] UPBEST[$s] < <(gbits "$W/up-$s.json")
	read -r DOWN[$s] DOWNBEST[$s] < <(gbits "$W/down-$s.json")
done
say "## Network: TCP throughput to and from the host's loopback (iperf3, one stream, ${IPERF_SECONDS} s after 1 s of warm-up)"
say ""
say "Gbit/s over the run, and in brackets the best one-second interval of it."
say ""
say "| | guest to host | host to guest | moat/peer, guest to host | moat/peer, host to guest |"
say "| --- | --- | --- | --- | --- |"
for s in "${STACKS[@]}"; do
	up="- / -"
	down="- / -"
	if [ "$s" != moat ]; then
		up="$(ratio_or_dash "${UP[moat]}" "${UP[$s]}")"
		down="$(ratio_or_dash "${DOWN[moat]}" "${DOWN[$s]}")"
		[ "$s" = pasta ] && up="$up (bar: at least 1; against its best second: $(ratio_or_dash "${UP[moat]}" "${UPBEST[$s]}"))"
	fi
	[ "$s" = moat ] && up="" down=""
	say "| $s | $(num "${UP[$s]}") ($(num "${UPBEST[$s]}")) | $(num "${DOWN[$s]}") ($(num "${DOWNBEST[$s]}")) | $up | $down |"
done
say ""

# --- 2. short connections ---------------------------------------------------------
CPORT=$(free_port)
"$LOAD" serve "$CPORT" &
PIDS+=($!)
wait_listen "$CPORT" || exit 1
declare -A CRATE CP50 CP99
for s in direct "${STACKS[@]}"; do
	read -r CRATE[$s] CP50[$s] CP99[$s] < <("in_$s" "$CPORT" "$LOAD" crr @HOST@ "$CPORT" \
		"$CRR_CONNS" 2>"$W/crr-$s.err")
done
say "## Network: short connections ($CRR_CONNS, one at a time: connect, 64 bytes each way, the server closes)"
say ""
say "| | connections/s | p50 | p99 | ratio to direct | moat/peer |"
say "| --- | --- | --- | --- | --- | --- |"
for s in direct "${STACKS[@]}"; do
	r=""
	[ "$s" != moat ] && [ "$s" != direct ] && r=$(ratio_or_dash "${CRATE[moat]}" "${CRATE[$s]}")
	say "| $s | $(num "${CRATE[$s]}") | $(num "${CP50[$s]}") us | $(num "${CP99[$s]}") us | $(ratio_or_dash "${CRATE[$s]}" "${CRATE[direct]}") | $r |"
done
say ""

# --- 3. start-up with the sandbox network -----------------------------------------------
hyperfine -N -w 5 -r "$RUNS" --export-json "$B/start-net-moat.json" \
	"$MOAT do --network=sandbox -- /bin/true" >/dev/null 2>&1
hyperfine -N -w 5 -r "$RUNS" --export-json "$B/start-net-none.json" \
	"$MOAT do --network=none -- /bin/true" >/dev/null 2>&1
hyperfine -N -w 5 -r "$RUNS" --export-json "$B/start-net-bwrap.json" \
	"bwrap --unshare-all --ro-bind / / /bin/true" >/dev/null 2>&1
sn=$(mean "$B/start-net-moat.json")
nn=$(mean "$B/start-net-none.json")
bw=$(mean "$B/start-net-bwrap.json")
say "## Start to exit of /bin/true with the sandbox network (hyperfine, $RUNS runs)"
say ""
say "| | mean | ratio |"
say "| --- | --- | --- |"
say "| moat do --network=sandbox | $(ms "$sn") ms | moat/bwrap = $(ratio "$sn" "$bw") (bar: at most 2) |"
say "| moat do --network=none | $(ms "$nn") ms | moat/bwrap = $(ratio "$nn" "$bw") |"
say "| bwrap --unshare-all --ro-bind / / | $(ms "$bw") ms | 1 |"
say ""

# --- 4. HTTP through outbound ---------------------------------------------------------------
# nginx with a self-signed certificate, which outbound trusts as its own CA
# (--upstream-ca), and a 1 KiB page.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$W/leaf.key" -out "$W/leaf.pem" -subj "/CN=bench.test" \
	-addext subjectAltName=DNS:bench.test,IP:127.0.0.1 2>/dev/null
mkdir -p "$W/www" "$W/nginx" "$W/out/direct" "$W/out/moat"
chmod 777 "$W/out/direct" "$W/out/moat"
head -c 1024 /dev/zero | tr '\0' x >"$W/www/index.html"
HP=$(free_port)
SP=$(free_port)
cat >"$W/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 10000000;
	client_body_temp_path $W/nginx/body;
	proxy_temp_path $W/nginx/proxy;
	fastcgi_temp_path $W/nginx/fastcgi;
	uwsgi_temp_path $W/nginx/uwsgi;
	scgi_temp_path $W/nginx/scgi;
	server { listen 127.0.0.1:$HP; root $W/www; }
	server {
		listen 127.0.0.1:$SP ssl;
		ssl_certificate $W/leaf.pem;
		ssl_certificate_key $W/leaf.key;
		root $W/www;
	}
}
EOF
nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/error.log" &
PIDS+=($!)
wait_listen "$HP" && wait_listen "$SP" || exit 1
# The method makes the rule one that speaks HTTP, so that netstack hands
# these ports (not 80 or 443) to outbound.
cat >"$W/policy.json" <<EOF
{"version": 1, "rules": [
  {"name": "bench", "host": ["bench.test", "127.0.0.1"], "port": [$HP, $SP],
   "method": ["GET", "HEAD"], "action": "allow"}
]}
EOF
# The same runs, direct and in one sandbox: HOST HP SP OUTDIR SECONDS LOAD.
cat >"$W/http.sh" <<'EOF'
#!/bin/sh
h=$1 hp=$2 sp=$3 o=$4 d=$5 load=$6
wrk -t1 -c8 -d"${d}s" "http://$h:$hp/" >"$o/http.txt" 2>&1
wrk -t1 -c8 -d"${d}s" "https://$h:$sp/" >"$o/https.txt" 2>&1
for i in 1 2 3; do
	wrk -t1 -c1 -d2s --latency "http://$h:$hp/" >"$o/http-lat-$i.txt" 2>&1
	wrk -t1 -c1 -d2s --latency "https://$h:$sp/" >"$o/https-lat-$i.txt" 2>&1
done
"$load" tls "$h" "$sp" bench.test "$d" 4 >"$o/tls.txt" 2>&1
EOF
chmod 755 "$W/http.sh"
"$W/http.sh" 127.0.0.1 "$HP" "$SP" "$W/out/direct" "$WRK_SECONDS" "$LOAD"
"$MOAT" do --network=sandbox --policy "$W/policy.json" --add-host bench.test:127.0.0.1 \
	--upstream-ca "$W/leaf.pem" -v "$W:$W" -v "$LOAD:$LOAD:ro" -- "$W/http.sh" bench.test \
	"$HP" "$SP" "$W/out/moat" "$WRK_SECONDS" "$LOAD" >"$W/moat-http.log" 2>&1
rps() { awk '/^Requests\/sec:/ { print $2 }' "$1" 2>/dev/null; }
# PCT ("50%", "99%") of a wrk --latency report in microseconds, for each FILE
pct_us() {
	local pct=$1
	shift
	awk -v p="$pct" '$1 == p { v = $2; f = 1
		if (v ~ /ms$/) f = 1000; else if (v ~ /us$/) f = 1; else if (v ~ /s$/) f = 1000000
		sub(/[a-z]+$/, "", v); printf "%.0f\n", v * f }' "$@" 2>/dev/null
}
# socket errors or non-2xx answers in a wrk run are shown next to its number
errs() { grep -hoE 'Socket errors:.*|Non-2xx or 3xx responses: [0-9]+' "$1" 2>/dev/null | tr '\n' ' '; }
rps_row() {	# LABEL FILE BAR
	local d m
	d=$(rps "$W/out/direct/$2")
	m=$(rps "$W/out/moat/$2")
	say "| $1 | $(num "$d") | $(num "$m") $(errs "$W/out/moat/$2")| $(ratio_or_dash "$m" "$d") | $3 |"
}
lat_row() {	# LABEL NAME: the median over NAME-{1,2,3}.txt of p50 and of p99
	local d50 d99 m50 m99 added=-
	d50=$(pct_us 50% "$W/out/direct/$2"-?.txt | median_of)
	d99=$(pct_us 99% "$W/out/direct/$2"-?.txt | median_of)
	m50=$(pct_us 50% "$W/out/moat/$2"-?.txt | median_of)
	m99=$(pct_us 99% "$W/out/moat/$2"-?.txt | median_of)
	[ -n "$d99" ] && [ -n "$m99" ] && added="$(printf '%+d' $((m99 - d99))) us at p99"
	say "| $1 | $(num "$d50") / $(num "$d99") us | $(num "$m50") / $(num "$m99") us $(cat "$W"/out/moat/"$2"-?.txt | errs /dev/stdin)| $added | |"
}
read -r td td50 td99 <"$W/out/direct/tls.txt"
read -r tm tm50 tm99 <"$W/out/moat/tls.txt"
say "## HTTP through outbound (nginx, one worker, on the host's loopback; 1 KiB answers)"
say ""
say "| | direct | client in moat do --network=sandbox | moat/direct, or latency added | bar |"
say "| --- | --- | --- | --- | --- |"
rps_row "HTTP keep-alive (wrk -t1 -c8), requests/s" http.txt "at least 0.80"
rps_row "HTTPS keep-alive (wrk -t1 -c8), requests/s" https.txt "at least 0.80"
lat_row "HTTP, one connection (wrk -t1 -c1, median of 3 runs): p50 / p99 latency" http-lat
lat_row "HTTPS, one connection (wrk -t1 -c1, median of 3 runs): p50 / p99 latency" https-lat
say "| new HTTPS connections (TLS handshake + one request), 4 clients, leaf certificate cached: connections/s | $(num "${td:-}") | $(num "${tm:-}") | $(ratio_or_dash "${tm:-}" "${td:-}") | |"
say "| the same: p50 / p99 of one connection | $(num "${td50:-}") / $(num "${td99:-}") us | $(num "${tm50:-}") / $(num "${tm99:-}") us | | |"
say ""
