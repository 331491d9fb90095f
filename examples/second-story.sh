#!/usr/bin/env bash
# A second story, end to end: the Vessa Strait collision. The story is INVENTED (every country, vessel, person and
# quote is fictional) but realistic in shape: two governments, a skipper, an AIS tracker, an anonymous pilot and a
# news wire that corrects itself. See examples/second-story.md for the walk-through and its output.
#
# Usage: examples/second-story.sh [LOG_PATH]    (default: ./vessa.db, rebuilt from scratch)
# Prints a transcript: each command shown after "$", then its output.
set -euo pipefail
DB="${1:-vessa.db}"
cd "$(dirname "$DB")" && DB="$(basename "$DB")"
rm -f "$DB" "$DB-wal" "$DB-shm"
# The same output on every machine: the story's own zone, a fixed width, no colour.
export FACTLOG_DB="$DB" FACTLOG_USER="${FACTLOG_USER:-example-analyst}" TZ="Europe/Helsinki" COLUMNS=100 NO_COLOR=1
unset FACTLOG_TZ FORCE_COLOR

f() { factlog "$@" --quiet >/dev/null; }
show() {  # print the command as one would type it, then run it
  local line="$" arg
  for arg in "$@"; do
    if [[ "$arg" =~ [^A-Za-z0-9_./:=+,-] ]]; then line+=" '$arg'"; else line+=" $arg"; fi
  done
  printf '\n%s\n' "$line"
  "$@"
}

factlog init >/dev/null
REGISTERED=2024-05-14T05:00:00+03:00

# --- who speaks -----------------------------------------------------------------------------------------------------
f source add norland-coast-guard --name "Norland Coast Guard" --kind official --party norland --reliability B \
    --at $REGISTERED
f source add sudmark-mfa --name "Sudmark Ministry of Foreign Affairs" --kind official --party sudmark \
    --reliability B --at $REGISTERED
f source add marja-skipper --name "Skipper of the Marja" --kind witness --party sudmark --reliability C \
    --at $REGISTERED
f source add straitwatch --name "StraitWatch AIS tracker" --kind document --reliability B --at $REGISTERED
f source add harbour-wire --name "Harbour Wire" --kind agency --reliability C --at $REGISTERED
f source add vessa-pilot --name "Vessa harbour pilot (anonymous)" --kind anonymous --reliability F --at $REGISTERED

# --- what is contested ----------------------------------------------------------------------------------------------
HAPPENED=2024-05-14T04:10:00+03:00
f fact add vessa-collision "The patrol boat Kestrel and the trawler Marja collided in the Vessa Strait" \
    --party norland --party sudmark --tag vessa --occurred-at $HAPPENED --at $REGISTERED
f fact add kestrel-rammed-marja "The Kestrel deliberately rammed the Marja" \
    --party norland --party sudmark --tag vessa --occurred-at $HAPPENED --at $REGISTERED
f fact add marja-in-norland-waters "The Marja was fishing inside Norland's territorial sea when it was stopped" \
    --party norland --party sudmark --tag vessa --at $REGISTERED
f fact add marja-ais-dark "The Marja had switched off its AIS transponder before the collision" \
    --party sudmark --tag vessa --at $REGISTERED
f fact add marja-crew-missing "A member of the Marja's crew is missing" --party sudmark --tag vessa --at $REGISTERED

# --- who said what, in the order it was said ------------------------------------------------------------------------
f claim vessa-collision --source harbour-wire --at 2024-05-14T05:30:00+03:00 --credibility 3 \
    --quote "A Norland patrol boat and a Sudmark trawler collided in the strait before dawn"
MISSING=$(factlog claim marja-crew-missing --source harbour-wire --at 2024-05-14T05:30:00+03:00 --credibility 4 \
    --quote "One fisherman is reported missing" --quiet)
f confirm vessa-collision --source norland-coast-guard --at 2024-05-14T07:00:00+03:00 \
    --quote "Kestrel was in contact with the fishing vessel Marja at 04:10"
f confirm marja-in-norland-waters --source norland-coast-guard --at 2024-05-14T07:00:00+03:00 \
    --quote "The Marja was fishing 2.1 nautical miles inside Norland's territorial sea"
f deny kestrel-rammed-marja --source norland-coast-guard --at 2024-05-14T07:00:00+03:00 \
    --quote "The Marja turned across Kestrel's bow; our crew did not ram anyone"
f claim marja-ais-dark --source norland-coast-guard --at 2024-05-14T07:00:00+03:00 --credibility 3 \
    --quote "Marja's transponder had been silent for six hours"
f claim kestrel-rammed-marja --source marja-skipper --at 2024-05-14T08:15:00+03:00 --credibility 3 \
    --quote "They came at us at full speed and hit us amidships"
f retract "$MISSING" --at 2024-05-14T09:00:00+03:00 \
    --reason "Correction: all six crew members are accounted for"
f confirm kestrel-rammed-marja --source sudmark-mfa --at 2024-05-14T10:00:00+03:00 \
    --quote "The deliberate ramming of a Sudmark fishing vessel is unacceptable"
f deny marja-in-norland-waters --source sudmark-mfa --at 2024-05-14T10:00:00+03:00 \
    --quote "The Marja was in international waters at all times"
f decline marja-ais-dark --source sudmark-mfa --at 2024-05-14T10:00:00+03:00 \
    --note "Asked about the transponder, the ministry said the investigation was ongoing"
f claim marja-ais-dark --source straitwatch --at 2024-05-15T12:00:00+03:00 --credibility 2 \
    --quote "No AIS position from the Marja between 22:04 on 13 May and 05:02 on 14 May"
f deny kestrel-rammed-marja --source vessa-pilot --at 2024-05-15T14:00:00+03:00 --credibility 5 \
    --quote "From the pilot boat it looked like the trawler turned into the Kestrel's path"

# --- what the log says --------------------------------------------------------------------------------------------
show factlog status
show factlog status --valid-at 2024-05-14T08:00:00+03:00
show factlog history kestrel-rammed-marja
show factlog why marja-in-norland-waters
show factlog history marja-crew-missing
show factlog status marja-crew-missing --at-seq 18
show factlog log --fact marja-crew-missing
show factlog search transponder
show factlog source list
show sqlite-utils query "$DB" "select fact, status, party_stances from beliefs_view" --table
show factlog export markdown
