#!/usr/bin/env bash
# Mistakes and teammates, scripted: two analysts work on the Vessa Strait story (examples/second-story.sh) on their
# own laptops, make and correct mistakes, and merge their logs both ways into the same beliefs. It uses every
# command of issue 12: void, fact amend, source amend, party add|amend|list, references by seq, history
# --chronological, the --tag/--party/--source/--type/--since/--until filters, and push/pull with the merge by slug.
#
# Usage: examples/teamwork.sh [FOLDER]    (default: ./teamwork, rebuilt from scratch)
# Prints a transcript: each command shown after "$", then its output. Ends with "same beliefs: yes".
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${1:-teamwork}"
rm -rf "$DIR" && mkdir -p "$DIR" && cd "$DIR"
export TZ="Europe/Helsinki" COLUMNS=100 NO_COLOR=1
unset FACTLOG_DB FACTLOG_TZ FORCE_COLOR

show() {  # print the command as one would type it, then run it
  local line="$" arg
  for arg in "$@"; do
    if [[ "$arg" =~ [^A-Za-z0-9_./:=+,-] ]]; then line+=" '$arg'"; else line+=" $arg"; fi
  done
  printf '\n%s\n' "$line"
  "$@"
}
alice() { FACTLOG_USER=alice factlog --db alice.db "$@"; }
bob() { FACTLOG_USER=bob factlog --db bob.db "$@"; }

# Alice has recorded the story; Bob starts from a copy of her log.
FACTLOG_USER=alice bash "$HERE/second-story.sh" alice.db >/dev/null
show factlog --db bob.db pull alice.db

# --- Bob's mistakes, and how he corrects them -----------------------------------------------------------------------
# a claim typed under the wrong source: a recording error, not something the Coast Guard said or took back
TYPO=$(bob claim marja-ais-dark --source norland-coast-guard --at 2024-05-16T09:00:00+03:00 --quiet \
  --quote "Our radar lost the Marja at 22:00")
SEQ=$(bob log --json --limit 1 | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["seq"])')
show bob void "$SEQ" --reason "typed the coast guard for StraitWatch"
show bob void "$TYPO" --reason "again"  || true
show bob claim marja-ais-dark --source straitwatch --at 2024-05-16T09:00:00+03:00 \
  --quote "Our radar lost the Marja at 22:00"
show bob source amend vessa-pilot --reliability E
show bob source amend vessa-pilot --reliability E || true
show bob party add norland --name "Kingdom of Norland" --kind state
show bob party amend norland --name "Norland"
show bob fact amend marja-ais-dark --add-party norland --add-tag ais
show bob party list
show bob history marja-ais-dark --chronological
show bob status --tag ais
show bob log --source straitwatch --type claim --since 2024-05-15T00:00:00+03:00 --until 2024-05-17T00:00:00+03:00
show bob status --party norland
show bob claim marja-ais-dark --source straitwatch --at 2034-05-16T09:00:00+03:00 || true

# --- meanwhile Alice: the same new source as Bob, a withdrawal by seq ------------------------------------------------
alice source add baltic-desk --name "Baltic Desk" --kind media --quiet >/dev/null
bob source add baltic-desk --name "Baltic Desk" --kind media --quiet >/dev/null
STRAIT=$(alice log --json --source straitwatch --type claim | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["seq"])')
show alice retract "$STRAIT" --reason "StraitWatch withdrew its AIS report pending a data check"

# --- merging both ways -----------------------------------------------------------------------------------------------
show bob push alice.db
show alice pull bob.db
show bob pull alice.db
show bob pull alice.db
alice status --json | python3 -c 'import json, sys; print(json.dumps([{k: v for k, v in r.items() if k != "updated_seq"} for r in json.load(sys.stdin)], sort_keys=True))' > alice.json
bob status --json | python3 -c 'import json, sys; print(json.dumps([{k: v for k, v in r.items() if k != "updated_seq"} for r in json.load(sys.stdin)], sort_keys=True))' > bob.json
show alice status
printf '\nsame beliefs: %s\n' "$(cmp -s alice.json bob.json && echo yes || echo no)"

# a slug both registered with different data is refused, all or nothing, naming each field
alice source add kestrel-crew --name "Kestrel crew" --kind witness --party norland --quiet >/dev/null
bob source add kestrel-crew --name "Crew of the Kestrel" --kind witness --party norland --quiet >/dev/null
show bob pull alice.db || true
