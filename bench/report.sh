#!/bin/bash
# bench/report.sh [RESULTS.json]: markdown tables and the target verdicts of
# one `make bench` run, computed from results.json only (so every number in
# docs/performance.md comes from a real run). Prints to stdout.
set -eu
R=${1:-build/bench/results.json}
J() { jq -r "$@" "$R"; }

echo "### Machine and run"
echo
J '.machine as $m | .params as $p |
  "| | |\n|---|---|",
  "| kernel | \($m.kernel) |", "| CPU | \($m.cpu) (\($m.cpus) vCPUs) |",
  "| date | \($m.date) |", "| tpc commit | \($m.commit) |",
  "| clang | \($m.clang) |", "| bpftrace | \($m.bpftrace) |",
  "| load average before / after (2 vCPUs shared with other jobs) | \($m.load_before // "-") / \($m.load_after // "-") |",
  "| duration of the run | \(if $m.duration_s then "\($m.duration_s / 60 | floor) min \($m.duration_s % 60) s" else "-" end) |",
  "| workload | \($p.openat_n) openat per rep, \($p.exec_n) exec, \($p.connect_n) connect, \($p.tcp_n // 0) tcp connections |",
  "| rounds | \($p.rounds // $p.reps) interleaved rounds (openat, sets, policies, exec, connect: one rep per case per round); \($p.reps) back-to-back reps for tcp and stdlib; \($p.compile_rounds // 3) compile rounds |"'
echo

# case table rows: name | what | median | min-max | x floor | wall/cpu x none
rows() { # jq filter selecting cases
	J "def f: if . == null then \"-\" else (.*10|round/10|tostring) end;
	   def r: if . == null then \"-\" else (.*100|round/100|tostring) + \"x\" end;
	   .cases[] | select($1) |
	   if .skipped then \"| \`\(.name)\` | skipped: \(.skipped|gsub(\"\\n\"; \" \")) | | | | |\" else
	   \"| \`\(.name)\` | \(.desc|gsub(\"\\\\|\"; \"\\\\|\")) | \(.ns_median|f) | \(.ns_min|f)-\(.ns_max|f) | \(.vs_floor|r) | \(.wall_vs_none|r) / \(.cpu_vs_none|r) |\" end"
}
hdr() {
	echo "| case | what is attached (bpftrace: the exact script) | ns/event (median) | min-max | x floor | wall / CPU x nothing |"
	echo "|---|---|---|---|---|---|"
}
echo "### Per-event cost on syscalls/sys_enter_openat"
echo
hdr
rows '.hook == "sys_enter_openat" and (.group | test("^(baseline|hand|bpftrace|tpc)$"))'
echo
echo "### Scaling with the number of values in one set (binary matches, ns/event)"
echo
echo "| values | Equal miss | Equal match | Prefix miss | Prefix match | int Equal miss | int Equal match |"
echo "|---|---|---|---|---|---|---|"
J 'def f: if . == null then "-" else (.*10|round/10|tostring) end;
   (.cases | map(select(.group|startswith("scale_"))) | map({(.name): .ns_median}) | add // {}) as $c |
   (.cases | map(select(.group|startswith("scale_")) | .name | split("_") | .[-2] | tonumber) | unique) as $ks |
   $ks[] as $k |
   "| \($k) | \($c["scale_str_eq_\($k)_miss"]|f) | \($c["scale_str_eq_\($k)_match"]|f) | \($c["scale_prefix_\($k)_miss"]|f) | \($c["scale_prefix_\($k)_match"]|f) | \($c["scale_int_eq_\($k)_miss"]|f) | \($c["scale_int_eq_\($k)_match"]|f) |"'
echo
echo "### Scaling with the number of policies on the hook (ns/event)"
echo
echo "| policies | fused miss | fused match | separate miss | separate match |"
echo "|---|---|---|---|---|"
J 'def f: if . == null then "-" else (.*10|round/10|tostring) end;
   (.cases | map(select(.group|startswith("policies_"))) | map({(.name): .ns_median}) | add // {}) as $c |
   (.cases | map(select(.group|startswith("policies_")) | .name | split("_") | .[-2] | tonumber) | unique) as $ks |
   $ks[] as $k |
   "| \($k) | \($c["fused_\($k)_miss"]|f) | \($c["fused_\($k)_match"]|f) | \($c["separate_\($k)_miss"]|f) | \($c["separate_\($k)_match"]|f) |"'
echo
echo "### exec (tp_btf/sched_process_exec) and connect (syscalls/sys_enter_connect)"
echo
hdr
rows '.hook == "sched_process_exec" or .hook == "sys_enter_connect"'
echo
if [ "$(J '[.cases[] | select(.group == "scope")] | length > 0')" = true ]; then
	echo "### Workload scope (podSelector) on syscalls/sys_enter_openat"
	echo
	echo "One \`Prefix\` policy that never matches the workload's path, attached by tpc-loader with \`--pods-file\`, without and with \`podSelector: {matchLabels: {app: web}}\`; the workload runs in a kubelet-style container cgroup of the \`app=web\` pod (level 5; the pod's cgroup, level 4, is in the scope map) or in a host cgroup (level 2)."
	echo
	hdr
	rows '.group == "scope"'
	echo
fi
if [ "$(J '[.cases[] | select(.group | startswith("tcp"))] | length > 0')" = true ]; then
	echo "### tpcNetwork tcp (tcpconn: connect, accept, close on loopback; each program against an empty one on its hook)"
	echo
	hdr
	rows '.group | startswith("tcp")'
	echo
fi
if [ "$(J '.compile != null')" = true ]; then
	echo "### Compile time: \`tpc build\` against bare clang on the same C (medians of $(J '.params.compile_rounds // 3') rounds)"
	echo
	echo "Bare clang = the exact clang command \`tpc build --dry-run\` prints, run on the C that \`--emit-c\` writes; front end = \`--emit-c\` alone. Each round runs build, bare clang and front end back to back; the ratio is taken per round."
	echo
	J '.compile | map(select(.bundle|not)) as $c | ($c|length) as $n |
	   def med(f): ($c|map(f)|sort)[($n-1)/2|floor];
	   "\($n) policies build. tpc build / bare clang (wall): median \(med(.vs_clang)*100|round/100)x, highest \($c|map(.vs_clang)|max*100|round/100)x; CPU: median \(med(.vs_clang_cpu // 0)*100|round/100)x. Wall: median \(med(.wall_s)*1000|round) ms (bare clang \(med(.clang_s // 0)*1000|round) ms), slowest \($c|map(.wall_s)|max*1000|round) ms. Front end alone: median \(med(.frontend_cpu_s)*1000|round) ms CPU. Peak RSS: tpc alone \($c|map(.frontend_max_rss_kb // 0)|max/1024*10|round/10) MB, with clang \($c|map(.max_rss_kb)|max/1024*10|round/10) MB."'
	echo
	echo "| policy | tpc build wall ms | bare clang wall ms | x clang (wall, per-round min-max) | x clang (CPU) | front end CPU ms | peak RSS MB (tpc / with clang) |"
	echo "|---|---|---|---|---|---|---|"
	J '.compile[] | "| \(.file) | \(.wall_s*1000|round) | \((.clang_s // 0)*1000|round) | \((.vs_clang // 0)*100|round/100)x (\((.vs_clang_rounds // [0])|min*100|round/100)-\((.vs_clang_rounds // [0])|max*100|round/100)) | \((.vs_clang_cpu // 0)*100|round/100)x | \((.frontend_cpu_s // 0)*1000|round) | \((.frontend_max_rss_kb // 0)/1024*10|round/10) / \(.max_rss_kb/1024*10|round/10) |"'
	echo
fi
if [ "$(J '.loader != null')" = true ]; then
	echo "### Loader"
	echo
	J '.loader as $l |
	   "| | |\n|---|---|",
	   "| export, hook events to JSON lines on one core (`tpc-loader bench`) | \($l.export_events_per_s) events/s |",
	   "| export, exec events (process table update + JSON) | \($l.exec_events_per_s) events/s |",
	   "| export, hook + exec events per CPU-second of the bench process | \($l.events_per_cpu_s // "-") events/s |",
	   "| burst: matching events / delivered as JSON / lost and counted / unaccounted | \($l.burst.events) / \($l.burst.delivered) / \($l.burst.lost_counted) / \($l.burst.unaccounted) (loader polling every \($l.burst.poll_ms) ms; loss warnings in its log: \($l.burst.loss_warnings_logged)) |",
	   "| 20 objects: start-up to \"ready\" (incl. base sensor, /proc scan), wall from the launch | \($l.footprint.startup_to_ready_ms) ms (\"ready in\" as the loader logs it: \($l.footprint.loader_ready_ms // "-") ms) |",
	   "| 20 objects: sum of per-object load+attach times the loader logs (objects load in parallel) | \($l.footprint.attach_ms_sum) ms |",
	   "| 20 objects: VmRSS (of which anonymous / file+shmem), 1 s after ready | \($l.footprint.rss_kb/1024*10|round/10) MB (\(($l.footprint.rss_anon_kb // 0)/1024*10|round/10) / \(($l.footprint.rss_file_shmem_kb // 0)/1024*10|round/10) MB); peak (VmHWM) \(($l.footprint.rss_hwm_kb // 0)/1024*10|round/10) MB |",
	   "| 20 objects without the base sensor: VmRSS | \($l.footprint.rss_kb_no_base_sensor/1024*10|round/10) MB |"'
	echo
fi

if [ "$(J '.l7 != null')" = true ]; then
	echo "### tpcNetwork dns and http (cgroup_skb, \`bench/netl7.sh\`)"
	echo
	echo "The programs \`tpc build\` makes of \`tests/e2e/policies/net-dns.yaml\` and \`net-http.yaml\`, loaded by tpc-loader on a cgroup, with an empty \`cgroup_skb/egress\` program on the same cgroup (the floor). Clients in that cgroup, servers in a private network namespace: sequential UDP queries to dnsmasq, then GETs on one keep-alive connection to python3's http.server."
	echo
	echo "| case | egress program (ns/packet) | ingress program (ns/packet) | empty egress (ns/packet) | answered / requests |"
	echo "|---|---|---|---|---|"
	J '.l7[] | "| \(.case) | \(.egress_ns) (\(.egress_pkts) pkts) | \(.ingress_ns) (\(.ingress_pkts) pkts) | \(.empty_ns) | \(.answered) / \(.requests) |"'
	echo
fi
if [ "$(J '.stdlib != null')" = true ]; then
	echo "### The library policies (each alone, per program it attaches here; workloads that do not match unless events > 0)"
	echo
	echo "| policy | program | ns/event (median) | min-max | empty program ns | x empty | events |"
	echo "|---|---|---|---|---|---|---|"
	J 'def f: if . == null then "-" else tostring end;
	   .stdlib[] | if .ns == null then "| \(.policy) | \(.program) | \(.note // "-") | | | | |" else
	   "| \(.policy) | `\(.program)` | \(.ns|f) | \(.ns_min|f)-\(.ns_max|f) | \(.empty_ns|f) | \(if .ratio then (.ratio|tostring) + "x" else "-" end) | \(.events|f) |" end'
	echo
fi
echo "### Targets (product.md, issue 16), from this run"
echo
echo "Ratios of two cases are taken round by round (both measured in the same round, minutes apart at most) and the median of those is judged; the spread over the rounds and both cases' medians are beside it."
echo
echo "| target | measured | verdict |"
echo "|---|---|---|"
J 'def c($n): (.cases[] | select(.name == $n) | .ns_median) // null;
   def reps($n): [.cases[] | select(.name == $n) | .reps[]? | select(.ns_per_event != null)];
   def med: sort | .[(length - 1) / 2 | floor];
   def r2: (.*100|round/100|tostring) + "x";
   def v($ok): if $ok then "met" else "**missed**" end;
   def ok($x; $lim; $lt): if $lt then $x < $lim else $x <= $lim end;
   # per-round ratios of case a over case b
   def rr($a; $b): (reps($b) | map({(.round|tostring): .ns_per_event}) | add // {}) as $bm |
     [reps($a)[] | select($bm[.round|tostring] != null) | .ns_per_event / $bm[.round|tostring]];
   def row($what; $a; $b; $lim; $lt):
     (rr($a; $b)) as $r | (. as $R | $R | c($a)) as $ma | c($b) as $mb |
     if ($r|length) == 0 then "| \($what) | not measured | - |"
     else ($r|med) as $x |
       "| \($what) | \($x|r2) (\($r|min|r2)-\($r|max|r2) over \($r|length) rounds; medians \($ma*10|round/10) / \($mb*10|round/10) ns) | \(v(ok($x; $lim; $lt))) |" end;
   def info($what; $a; $b):
     (rr($a; $b)) as $r | if ($r|length) == 0 then empty else
       "| \($what) | \($r|med|r2) (\($r|min|r2)-\($r|max|r2)) | not a target |" end;
   . as $R |
   row("binary mismatch within 1.6x of the empty program"; "tpc_binary_miss"; "empty"; 1.6; false),
   row("int predicate mismatch (flags Equal, 1 value) within 1.6x of the empty program"; "scale_int_eq_1_miss"; "empty"; 1.6; false),
   row("binary mismatch below bpftrace (comm mismatch)"; "tpc_binary_miss"; "bpftrace_comm_miss"; 1; true),
   row("path mismatch below bpftrace (comm + strncmp + count)"; "tpc_path_miss"; "bpftrace_path_miss"; 1; true),
   row("full match + event below bpftrace (comm + strncmp + printf)"; "tpc_match"; "bpftrace_match_printf"; 1; true),
   info("full match + event against bpftrace count() (posts no event)"; "tpc_match"; "bpftrace_match_count"),
   row("binary mismatch within 1.1x of hand-written"; "tpc_binary_miss"; "hand_binary_miss"; 1.1; false),
   row("path mismatch within 1.1x of hand-written"; "tpc_path_miss"; "hand_path_miss"; 1.1; false),
   row("full match + event within 1.1x of hand-written"; "tpc_match"; "hand_match"; 1.1; false),
   ((["str_eq","Equal"],["prefix","Prefix"],["int_eq","int Equal"]) as [$k,$n] |
     (["miss","match"][] as $v |
       row("\($n) \($v): 10,000 values vs 100 values (flat: <= 1.25x)"; "scale_\($k)_10000_\($v)"; "scale_\($k)_100_\($v)"; 1.25; false))),
   (["miss","match"][] as $v |
     row("50 fused policies vs 1 policy, \($v) (<= 1.5x)"; "fused_50_\($v)"; "fused_1_\($v)"; 1.5; false)),
   row("matchBinaries at exec (seed block-netcat) within 3x of an empty program"; "exec_tpc_block_miss"; "exec_empty"; 3; false),
   row("matchBinaries at exec, inode identity mode, within 3x of an empty program"; "exec_tpc_inode_miss"; "exec_empty"; 3; false),
   (if $R.compile then
     ($R.compile | map(select(.bundle|not))) as $cs |
     ($cs | map(.wall_s) | sort) as $w |
     ($cs | map(.cpu_s // 0) | sort) as $cp |
     ($cs | map(.vs_clang // 99) | sort) as $vr |
     ($R.compile | map(select(.bundle)) | .[0]) as $b |
     "| tpc build within 1.3x of bare clang on the same C (median over policies) | \($vr|med|r2) (per policy \($vr|min|r2)-\($vr|max|r2); CPU \($cs|map(.vs_clang_cpu // 99)|med|r2)) over \($vr|length) policies | \(v(($vr|med) <= 1.3)) |",
     "| typical policy compiles in < 200 ms (wall) | median \($w|med*1000|round) ms wall, \($cp|med*1000|round) ms CPU, over \($w|length) policies | \(v(($w|med) < 0.2)) |",
     "| 50-policy bundle compiles in < 5 s | \(if $b then ($b.wall_s*1000|round|tostring) + " ms wall, " + (($b.cpu_s // 0)*1000|round|tostring) + " ms CPU, " + (($b.vs_clang // 0)|r2) + " bare clang" else "-" end) | \(v($b != null and $b.wall_s < 5)) |"
    else empty end),
   (if $R.loader then
     "| export > 300k events/s on one core | \($R.loader.export_events_per_s) events/s wall (best of 3), \($R.loader.events_per_cpu_s // "-") per CPU-second | \(v($R.loader.export_events_per_s > 300000)) |",
     "| every ring-buffer loss counted | \($R.loader.burst.lost_counted) lost, \($R.loader.burst.unaccounted) unaccounted of \($R.loader.burst.events) | \(v($R.loader.burst.unaccounted == 0)) |",
     "| loader RSS < 30 MB with 20 objects | \($R.loader.footprint.rss_kb/1024*10|round/10) MB (anonymous \(($R.loader.footprint.rss_anon_kb // 0)/1024*10|round/10) MB), the start-up of the next row | \(v($R.loader.footprint.rss_kb < 30*1024)) |",
     "| loader attaches 20 objects in < 200 ms | start-up to ready \($R.loader.footprint.startup_to_ready_ms) ms wall (\"ready in\" as the loader logs it: \($R.loader.footprint.loader_ready_ms // "-") ms; incl. base sensor) | \(v($R.loader.footprint.startup_to_ready_ms < 200)) |"
    else empty end)'
