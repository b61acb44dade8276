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
  "| workload | \($p.openat_n) openat per rep, \($p.exec_n) exec, \($p.connect_n) connect, \($p.tcp_n // 0) tcp connections; \($p.reps) reps per case |"'
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
if [ "$(J '[.cases[] | select(.group | startswith("tcp"))] | length > 0')" = true ]; then
	echo "### tpcNetwork tcp (tcpconn: connect, accept, close on loopback; each program against an empty one on its hook)"
	echo
	hdr
	rows '.group | startswith("tcp")'
	echo
fi
if [ "$(J '.compile != null')" = true ]; then
	echo "### Compile time (\`tpc build\`, median of 3; front end = \`--emit-c\` alone)"
	echo
	J '.compile | map(select(.bundle|not)) as $c | ($c|length) as $n |
	   def med(f): ($c|map(f)|sort)[($n-1)/2|floor];
	   "\($n) policies build. Wall: median \(med(.wall_s)*1000|round) ms, slowest \($c|map(.wall_s)|max*1000|round) ms. CPU (user+sys of tpc, clang, llvm-objcopy): median \(med(.cpu_s)*1000|round) ms, slowest \($c|map(.cpu_s)|max*1000|round) ms. Share of CPU outside the front end (clang + objcopy): median \(med(.clang_cpu_share)*100|round)%. Peak RSS: tpc alone \($c|map(.frontend_max_rss_kb // 0)|max/1024*10|round/10) MB, with clang \($c|map(.max_rss_kb)|max/1024*10|round/10) MB."'
	echo
	echo "| policy | wall ms | CPU ms | front end CPU ms | clang share (CPU) | peak RSS MB (tpc / with clang) |"
	echo "|---|---|---|---|---|---|"
	J '.compile[] | "| \(.file) | \(.wall_s*1000|round) | \((.cpu_s // 0)*1000|round) | \((.frontend_cpu_s // 0)*1000|round) | \((.clang_cpu_share // 0)*100|round)% | \((.frontend_max_rss_kb // 0)/1024*10|round/10) / \(.max_rss_kb/1024*10|round/10) |"'
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
	   "| 20 objects: start-up to \"ready\" (incl. base sensor, /proc scan) | \($l.footprint.startup_to_ready_ms) ms |",
	   "| 20 objects: sum of per-object load+attach times the loader logs | \($l.footprint.attach_ms_sum) ms |",
	   "| 20 objects: VmRSS (of which anonymous / file+shmem) | \($l.footprint.rss_kb/1024*10|round/10) MB (\(($l.footprint.rss_anon_kb // 0)/1024*10|round/10) / \(($l.footprint.rss_file_shmem_kb // 0)/1024*10|round/10) MB) |",
	   "| 20 objects without the base sensor: VmRSS | \($l.footprint.rss_kb_no_base_sensor/1024*10|round/10) MB |"'
	echo
fi

echo "### Targets (product.md), from this run"
echo
echo "| target | measured | verdict |"
echo "|---|---|---|"
J 'def c($n): (.cases[] | select(.name == $n) | .ns_median) // null;
   def r2: (.*100|round/100|tostring) + "x";
   def v($ok): if $ok then "met" else "**missed**" end;
   def row($what; $a; $b; $lim; $lt):
     if $a == null or $b == null then "| \($what) | not measured | - |"
     else ($a / $b) as $x | "| \($what) | \($x|r2) (\($a*10|round/10) / \($b*10|round/10) ns) | \(v(if $lt then $x < $lim else $x <= $lim end)) |" end;
   . as $R |
   row("binary mismatch within 1.6x of the empty program"; c("tpc_binary_miss"); c("empty"); 1.6; false),
   row("int predicate mismatch (flags Equal, 1 value) within 1.6x of the empty program"; c("scale_int_eq_1_miss"); c("empty"); 1.6; false),
   row("binary mismatch below bpftrace (comm mismatch)"; c("tpc_binary_miss"); c("bpftrace_comm_miss"); 1; true),
   row("path mismatch below bpftrace (comm + strncmp + count)"; c("tpc_path_miss"); c("bpftrace_path_miss"); 1; true),
   row("full match + Post below bpftrace (comm + strncmp + printf)"; c("tpc_match"); c("bpftrace_match_printf"); 1; true),
   row("full match + Post below bpftrace count() (no event at all)"; c("tpc_match"); c("bpftrace_match_count"); 1; true),
   row("binary mismatch within 1.25x of hand-written"; c("tpc_binary_miss"); c("hand_binary_miss"); 1.25; false),
   row("path mismatch within 1.25x of hand-written"; c("tpc_path_miss"); c("hand_path_miss"); 1.25; false),
   row("full match + Post within 1.25x of hand-written"; c("tpc_match"); c("hand_match"); 1.25; false),
   ((["str_eq","Equal"],["prefix","Prefix"],["int_eq","int Equal"]) as [$k,$n] |
     (["miss","match"][] as $v |
       row("\($n) \($v): 10,000 values vs 100 values (flat: <= 1.25x)"; c("scale_\($k)_10000_\($v)"); c("scale_\($k)_100_\($v)"); 1.25; false))),
   (["miss","match"][] as $v |
     row("50 fused policies vs 1 policy, \($v) (<= 2x)"; c("fused_50_\($v)"); c("fused_1_\($v)"); 2; false)),
   (if $R.compile then
     ($R.compile | map(select(.bundle|not)) | map(.wall_s) | sort) as $w |
     ($R.compile | map(select(.bundle|not)) | map(.cpu_s // 0) | sort) as $cp |
     ($R.compile | map(select(.bundle)) | .[0]) as $b |
     "| typical policy compiles in < 200 ms (wall) | median \($w[($w|length-1)/2|floor]*1000|round) ms wall, \($cp[($cp|length-1)/2|floor]*1000|round) ms CPU, over \($w|length) policies | \(v($w[($w|length-1)/2|floor] < 0.2)) |",
     "| 50-policy bundle compiles in < 5 s | \(if $b then ($b.wall_s*1000|round|tostring) + " ms wall, " + (($b.cpu_s // 0)*1000|round|tostring) + " ms CPU" else "-" end) | \(v($b != null and $b.wall_s < 5)) |"
    else empty end),
   (if $R.loader then
     "| export > 300k events/s on one core | \($R.loader.export_events_per_s) events/s wall (best of 3), \($R.loader.events_per_cpu_s // "-") per CPU-second | \(v($R.loader.export_events_per_s > 300000)) |",
     "| every ring-buffer loss counted | \($R.loader.burst.lost_counted) lost, \($R.loader.burst.unaccounted) unaccounted of \($R.loader.burst.events) | \(v($R.loader.burst.unaccounted == 0)) |",
     "| loader RSS < 30 MB with 20 objects | \($R.loader.footprint.rss_kb/1024|round) MB (anonymous \(($R.loader.footprint.rss_anon_kb // 0)/1024|round) MB) | \(v($R.loader.footprint.rss_kb < 30*1024)) |",
     "| loader attaches 20 objects in < 200 ms | \($R.loader.footprint.attach_ms_sum) ms (start-up to ready \($R.loader.footprint.startup_to_ready_ms) ms) | \(v($R.loader.footprint.attach_ms_sum < 200)) |"
    else empty end)'
