#!/bin/sh
# metadata.sh - the meta-data of every agent of provider "mirror" (ocf/):
#   answered without any parameter, exit 0, before any validation;
#   well-formed and valid against the OCF 1.1 RelaxNG schema that pcs ships
#   (/usr/share/pcs/data/ocf-1.1.rng: what pcs accepts), the RelaxNG
#   schema resource-agents checks its own agents with
#   (/usr/share/resource-agents/metadata.rng) and the ra-api-1.dtd of
#   resource-agents; names the agent as its file is named; says OCF 1.1;
#   every parameter the agent reads has an entry and vice versa; unchanged
#   from the golden copy in tests/agents/expected/AGENT.xml (regenerate
#   with AGENTS_REGEN=1 after a deliberate change);
#   `usage` answers 0, an unknown action exits 3 (OCF_ERR_UNIMPLEMENTED).
# Debian 12 ships no official OCF 1.1 ra-api.rng; these three are what it
# has.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

agents_init
if ! command -v xmllint >/dev/null 2>&1; then
	echo "1..0 # SKIP xmllint missing (install libxml2-utils)"
	exit 0
fi

AGENTS="mirrorfs vip-one-side podman"
PCS_RNG=/usr/share/pcs/data/ocf-1.1.rng
RA_RNG=/usr/share/resource-agents/metadata.rng
RA_DTD=/usr/share/resource-agents/ra-api-1.dtd

# validate KIND SCHEMA FILE DESC
validate() {
	if [ ! -r "$2" ]; then
		skip_one "$4: $2 missing"
		return
	fi
	if out=$(xmllint --noout --nonet "--$1" "$2" "$3" 2>&1); then
		ok "$4"
	else
		not_ok "$4" "$(echo "$out" | grep -v -e 'failed to load external entity' -e 'DOCTYPE' -e '^ *\^$')"
	fi
}

for a in $AGENTS; do
	x=$AG_TMP/$a.xml
	# no parameters at all, nothing that validation would need
	run_agent "$a" meta-data
	if [ "$RC" = 0 ] && [ -n "$OUT" ]; then
		ok "$a meta-data answers without parameters"
	else
		not_ok "$a meta-data answers without parameters" "exit $RC: $ERR"
		continue
	fi
	printf '%s\n' "$OUT" >"$x"
	if xmllint --noout --nonet "$x" 2>/dev/null; then
		ok "$a meta-data is well-formed XML"
	else
		not_ok "$a meta-data is well-formed XML"
		continue
	fi
	validate relaxng "$PCS_RNG" "$x" "$a meta-data valid against pcs's OCF 1.1 RelaxNG schema"
	validate relaxng "$RA_RNG" "$x" "$a meta-data valid against resource-agents' metadata.rng"
	validate dtdvalid "$RA_DTD" "$x" "$a meta-data valid against ra-api-1.dtd"

	name=$(xmllint --xpath 'string(/resource-agent/@name)' "$x" 2>/dev/null)
	ver=$(xmllint --xpath 'string(/resource-agent/version)' "$x" 2>/dev/null)
	if [ "$name" = "$a" ] && [ "$ver" = 1.1 ]; then
		ok "$a meta-data names the agent '$a' and OCF version 1.1"
	else
		not_ok "$a meta-data names the agent '$a' and OCF version 1.1" "name '$name', version '$ver'"
	fi

	# every OCF_RESKEY_x_default of the agent is a parameter, and back
	in_code=$(sed -n 's/^OCF_RESKEY_\([a-z_]*\)_default=.*/\1/p' "$AG_TOP/ocf/$a" | sort | paste -sd' ' -)
	in_meta=$(xmllint --xpath '/resource-agent/parameters/parameter/@name' "$x" 2>/dev/null |
		sed 's/ *name="\([^"]*\)"/\1\n/g' | sed '/^$/d' | sort | paste -sd' ' -)
	if [ -n "$in_code" ] && [ "$in_code" = "$in_meta" ]; then
		ok "$a: parameters in meta-data match the agent's defaults ($in_meta)"
	else
		not_ok "$a: parameters in meta-data match the agent's defaults" "code: $in_code; meta-data: $in_meta"
	fi

	gold=$AG_TOP/tests/agents/expected/$a.xml
	if [ "${AGENTS_REGEN:-0}" = 1 ]; then
		cp "$x" "$gold"
		skip_one "$a: golden meta-data regenerated in $gold"
	elif d=$(diff -u "$gold" "$x" 2>&1); then
		ok "$a meta-data matches tests/agents/expected/$a.xml"
	else
		not_ok "$a meta-data matches tests/agents/expected/$a.xml" "$d"
	fi

	expect "$a" usage 0 ""
	case $OUT in
	*usage:*) ok "$a usage prints a usage line" ;;
	*) not_ok "$a usage prints a usage line" "$OUT" ;;
	esac
	expect "$a" no-such-action 3 ""
done
finish
