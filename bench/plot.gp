# bench/plot.gp - plots of `make bench` results (gnuplot -e "dir='build/bench'").
# Inputs: DIR/scale_<kind>_<miss|match>.dat and DIR/policies_<fused|separate>_<v>.dat
# with columns x, median ns/event, min, max; DIR/floor.dat: the empty program.
floor = real(system("cat " . dir . "/floor.dat"))
set terminal svg size 900,600 font "sans,12" background "white"
set grid
set key below maxrows 4
set ylabel "ns per event (bpf\\_stats, median of reps; bars: min-max)"
set logscale x 10

set output "docs/img/bench-values.svg"
set title "sys\\_enter\\_openat: cost against number of values in one set"
set xlabel "values in the set"
set xrange [0.7:15000]
set yrange [0:*]
plot \
  dir."/scale_str_eq_miss.dat" u 1:2:3:4 w yerrorlines lw 2 t "Equal (strings), miss", \
  dir."/scale_str_eq_match.dat" u 1:2:3:4 w yerrorlines lw 2 dt 2 t "Equal (strings), match + Post", \
  dir."/scale_prefix_miss.dat" u 1:2:3:4 w yerrorlines lw 2 t "Prefix, miss", \
  dir."/scale_prefix_match.dat" u 1:2:3:4 w yerrorlines lw 2 dt 2 t "Prefix, match + Post", \
  dir."/scale_int_eq_miss.dat" u 1:2:3:4 w yerrorlines lw 2 t "int Equal, miss", \
  dir."/scale_int_eq_match.dat" u 1:2:3:4 w yerrorlines lw 2 dt 2 t "int Equal, match + Post", \
  floor w l lc rgb "black" dt 3 t "empty program (floor)"

set output "docs/img/bench-policies.svg"
set title "sys\\_enter\\_openat: cost against number of policies on the hook"
set xlabel "policies"
set xrange [0.8:70]
set logscale y 10
set yrange [30:20000]
set ylabel "ns per event (log scale; median, bars: min-max)"
plot \
  dir."/policies_fused_miss.dat" u 1:2:3:4 w yerrorlines lw 2 t "fused (one program), miss", \
  dir."/policies_fused_match.dat" u 1:2:3:4 w yerrorlines lw 2 dt 2 t "fused, match + Post", \
  dir."/policies_separate_miss.dat" u 1:2:3:4 w yerrorlines lw 2 t "separate objects, miss", \
  dir."/policies_separate_match.dat" u 1:2:3:4 w yerrorlines lw 2 dt 2 t "separate objects, match + Post", \
  floor w l lc rgb "black" dt 3 t "empty program (floor)"
