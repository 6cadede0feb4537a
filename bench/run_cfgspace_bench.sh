#!/bin/sh
# Cost of virtualized config accesses versus raw simulated-device accesses:
# ns/op natively, instructions/op under callgrind (the difference of two runs
# of different lengths, so start-up cost cancels out).  One table.
#   bench/run_cfgspace_bench.sh [BUILD_DIR] [FIXTURE]
set -eu
build=${1:-build}
bin="$build/bench/bench_cfgspace"
fixture=${2:-$(dirname "$0")/../fixtures/lspci/cap-pcie-2.lspci}
[ -x "$bin" ] || { echo "no $bin: build first (ninja -C $build)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is needed for instructions/op" >&2; exit 1; }

n1=2000
n2=22000
ir() { # case iterations -> instructions collected
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$fixture" "$1" "$2" 2>&1 |
		sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
per_op() { # case -> instructions/op
	a=$(ir "$1" $n1)
	b=$(ir "$1" $n2)
	echo "$a $b" | awk -v d=$((n2 - n1)) '{ printf "%.1f", ($2 - $1) / d }'
}

native=$("$bin" "$fixture")
printf '%-10s %9s %9s %7s %10s %10s %7s\n' case "virt ns" "raw ns" ratio "virt ins" "raw ins" ratio
echo "$native" | tail -n +2 | while read -r name rest; do
	set -- $rest
	shift $(($# - 3))
	vns=$1 rns=$2 nsr=$3
	vi=$(per_op "$name")
	ri=$(per_op "raw:$name")
	ir_ratio=$(echo "$vi $ri" | awk '{ printf "%.2f", $1 / $2 }')
	printf '%-10s %9s %9s %7s %10s %10s %7s\n' "$name" "$vns" "$rns" "$nsr" "$vi" "$ri" "$ir_ratio"
done
