#!/usr/bin/env bash
# Peer: a jq catalog filter with the usual `startswith` host test.
# Prints one JSON result line. Usage: jq-filter.sh FEED WHITELIST [ITER]
set -euo pipefail
feed=$1; whitelist=$2; iters=${3:-3}
sold=$(jq -R -s -c 'split("\n") | map(select(length > 0))' "$whitelist")
prog='[.[] | select((((.buy_url // "") | tostring | startswith("https://go.plesk.com")) | not) or (.code as $c | $sold | index($c)))]'
kept=$(jq -c --argjson sold "$sold" "$prog | length" "$feed")
start=$(date +%s%N)
for _ in $(seq "$iters"); do jq -c --argjson sold "$sold" "$prog" "$feed" >/dev/null; done
end=$(date +%s%N)
bytes=$(stat -c %s "$feed")
python3 -c "import json,sys; b=$bytes; s=($end-$start)/1e9/$iters; print(json.dumps({'peer':'jq','bytes':b,'seconds':s,'mb_per_s':b/s/1e6,'kept':$kept}))"
