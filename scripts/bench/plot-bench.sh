#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Plot simgpu_bench's CSV files with gnuplot, into PNGs in the same
# directory:
#  - latency.csv: median invalidation latency against the number of GPUs,
#    one panel per invalidation mode, one line per scheme, at the default
#    latencies; one PNG per operation (munmap, map-fixed);
#  - partial.csv, if there: the job after a partial invalidation over a
#    steady job, against the userptr's size, one line per mode and kind of
#    invalidation (a page dropped, a THP collapse, a THP split);
#  - stall.csv, if there: the munmap stall of an unrelated userptr, idle
#    and during a populate, against the size of the populate;
#  - fork.csv, if there: fork() time and TLB flushes per fork against the
#    number of read-only or writable userptrs bound.
#
# Usage: plot-bench.sh DIR
set -euo pipefail
dir=${1:?usage: plot-bench.sh DIR}
csv=$dir/latency.csv
[ -s "$csv" ] || { echo "no $csv" >&2; exit 1; }
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

plot_partial() {
	local pcsv=$dir/partial.csv mode event f lines=()

	[ -s "$pcsv" ] || return 0
	for mode in wait-idle preempt fault; do
		for event in dontneed collapse split; do
			f=$data/partial-$mode-$event.dat
			awk -F, -v mode="$mode" -v event="$event" \
			    '$1 == mode && $3 == event { print $2, $9 }' "$pcsv" |
				sort -n > "$f"
			[ -s "$f" ] && lines+=("'$f' using 1:2 with linespoints title '$mode, $event'")
		done
	done
	[ ${#lines[@]} -gt 0 ] || return 0
	{
		echo "set terminal pngcairo size 900,500 noenhanced"
		echo "set output '$dir/partial.png'"
		echo "set title 'job after a partial invalidation over a steady job (medians); TCG guest'"
		echo "set logscale x 2; set xlabel 'userptr MiB'; set ylabel 'ratio'; set key top left; set grid"
		echo "plot $(IFS=,; echo "${lines[*]}")"
	} > "$data/partial.gp"
	gnuplot "$data/partial.gp"
	echo "$dir/partial.png"
}

plot_stall() {
	local scsv=$dir/stall.csv f=$data/stall.dat

	[ -s "$scsv" ] || return 0
	awk -F, 'NR > 1 { print $1, $3, $4, $5 }' "$scsv" | sort -n > "$f"
	[ -s "$f" ] || return 0
	{
		echo "set terminal pngcairo size 900,500 noenhanced"
		echo "set output '$dir/stall.png'"
		echo "set title 'munmap stall of another userptr, idle and during a populate; TCG guest'"
		echo "set xlabel 'populate MiB'; set ylabel 'us'; set key top left; set grid"
		echo "set yrange [0:*]"
		echo "plot '$f' using 1:2 with linespoints title 'idle, median', \\"
		echo "     '$f' using 1:3 with linespoints title 'during the populate, median', \\"
		echo "     '$f' using 1:4 with linespoints title 'during the populate, p99'"
	} > "$data/stall.gp"
	gnuplot "$data/stall.gp"
	echo "$dir/stall.png"
}

plot_fork() {
	local fcsv=$dir/fork.csv access f lines=()

	[ -s "$fcsv" ] || return 0
	for access in read-only writable; do
		f=$data/fork-$access.dat
		awk -F, -v a="$access" '$2 == a { print $1, $4, $6 }' "$fcsv" |
			sort -n > "$f"
		[ -s "$f" ] || continue
		lines+=("'$f' using 1:2 with linespoints title 'fork() us, $access'")
		lines+=("'$f' using 1:3 axes x1y2 with points title 'TLB flushes per fork, $access'")
	done
	[ ${#lines[@]} -gt 0 ] || return 0
	{
		echo "set terminal pngcairo size 900,500 noenhanced"
		echo "set output '$dir/fork.png'"
		echo "set title 'fork() with N userptrs bound in a busy preempt VM (medians); TCG guest'"
		echo "set logscale x 2; set xlabel 'userptrs'; set ylabel 'us'; set y2label 'TLB flushes'"
		echo "set ytics nomirror; set y2tics; set yrange [0:*]; set y2range [0:*]; set key top left; set grid"
		echo "plot $(IFS=,; echo "${lines[*]}")"
	} > "$data/fork.gp"
	gnuplot "$data/fork.gp"
	echo "$dir/fork.png"
}

# The default latencies: those of the first row.
read -r flush preempt < <(awk -F, 'NR == 2 { print $4, $5 }' "$csv")
for op in munmap map-fixed; do
	plots=()
	for mode in wait-idle preempt fault; do
		lines=()
		for scheme in legacy single-pass two-pass; do
			f=$data/$op-$mode-$scheme.dat
			awk -F, -v op="$op" -v mode="$mode" -v s="$scheme" \
			    -v fl="$flush" -v pr="$preempt" \
			    '$1 == s && $2 == mode && $6 == op && $4 == fl && $5 == pr { print $3, $8, $9 }' \
			    "$csv" | sort -n > "$f"
			[ -s "$f" ] && lines+=("'$f' using 1:2 with linespoints title '$scheme'")
		done
		[ ${#lines[@]} -gt 0 ] || continue
		plots+=("set title '$mode'; plot $(IFS=,; echo "${lines[*]}")")
	done
	[ ${#plots[@]} -gt 0 ] || continue
	{
		echo "set terminal pngcairo size 1500,450 noenhanced"
		echo "set output '$dir/latency-$op.png'"
		echo "set multiplot layout 1,${#plots[@]} title '$op invalidation latency (median), TLB flush ${flush} us, preemption ${preempt} us; TCG guest'"
		echo "set logscale x 2; set xlabel 'GPUs'; set ylabel 'us'; set key top left; set grid"
		printf '%s\n' "${plots[@]}"
		echo "unset multiplot"
	} > "$data/$op.gp"
	gnuplot "$data/$op.gp"
	echo "$dir/latency-$op.png"
done
plot_partial
plot_stall
plot_fork
