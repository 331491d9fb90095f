#!/usr/bin/env bash
# Records the Belgorod story (seeds/belgorod-article.txt) through the factlog CLI, then prints the log and
# what is believed, and writes the Markdown report beside the log (LOG_PATH with .md instead of .db).
# Usage: examples/belgorod.sh [LOG_PATH [REPORT]]   (default: ./belgorod.db, rebuilt from scratch)
# LOG_PATH may be a team log's URL (postgresql://...?log=belgorod, a new log); then give REPORT, the .md file.
#
# Times come from the article ("last night", "today") and the reporting of 29-30 March 2022; they are the
# analyst's best reading, to the hour. Ratings are the analyst's Admiralty judgement, not the article's.
set -euo pipefail
DB="${1:-belgorod.db}"
rm -f "$DB" "$DB-wal" "$DB-shm"
export FACTLOG_DB="$DB" FACTLOG_USER="${FACTLOG_USER:-seed-analyst}"
f() { factlog "$@" --quiet >/dev/null; }

factlog init

# --- who speaks ---------------------------------------------------------------------------------------
f source add article --name "The seed article (UK tabloid)" --kind media --party united-kingdom --reliability C
f source add butusov --name "Yuriy Butusov" --kind journalist --party ukraine --reliability C
f source add gladkov --name "Vyacheslav Gladkov" --kind official --party russia --reliability B
f source add tass --name "TASS" --kind agency --party russia --reliability C
f source add emergency-services-source --name "Emergency services source (via TASS)" --kind anonymous --reliability F
f source add russia-deputy-defence-minister --name "Russia's deputy defence minister" --kind official --party russia --reliability B
f source add shoigu --name "Sergey Shoigu" --kind official --party russia --reliability B
f source add boris-johnson --name "Boris Johnson" --kind official --party united-kingdom --reliability B
f source add western-official --name "Western official (anonymous)" --kind anonymous --reliability C

# --- what is contested ----------------------------------------------------------------------------------
f fact add belgorod-explosion "An explosion took place near the village of Krasniy Oktyabr, Belgorod region, Russia" \
    --party russia --tag belgorod --occurred-at 2022-03-29T22:00:00+03:00
f fact add belgorod-ukrainian-missile "The Belgorod blast was caused by a missile fired from Ukraine" \
    --party ukraine --party russia --tag belgorod
f fact add belgorod-tochka-u "An OTR-21 Tochka-U fired by Ukraine's 19th missile brigade hit the depot" \
    --party ukraine --tag belgorod
f fact add belgorod-resident-casualties "Residents of Krasniy Oktyabr were killed or injured by the blast" \
    --party russia --tag belgorod
f fact add belgorod-soldiers-hurt "Four Russian servicemen were hurt when the shell hit a temporary military camp" \
    --party russia --tag belgorod
f fact add russia-scales-back-kyiv "Russia is cutting back military activity in the direction of Kyiv and Chernihiv" \
    --party russia --tag talks
f fact add russia-refocus-donbas "Russian forces will now focus on the eastern Donbas region instead of major cities" \
    --party russia --tag talks
f fact add putin-may-escalate "Putin could still escalate ('twist the knife') as the war moves into a new phase" \
    --party russia --tag talks

# --- who said what ----------------------------------------------------------------------------------------
f claim belgorod-tochka-u --source butusov --at 2022-03-30T00:30:00+03:00 --credibility 3 \
    --quote "An OTR-21 Tochka-U was fired by the Ukrainian 19th missile brigade and hit the depot"
f claim belgorod-ukrainian-missile --source butusov --at 2022-03-30T00:30:00+03:00 --credibility 3 \
    --quote "An OTR-21 Tochka-U was fired by the Ukrainian 19th missile brigade" \
    --note "Butusov names a Ukrainian brigade, so he asserts a Ukrainian missile"
f confirm belgorod-explosion --source gladkov --at 2022-03-30T08:00:00+03:00 --credibility 2 \
    --quote "Krasniy Oktyabr is the name of the village where the accident took place."
f deny belgorod-resident-casualties --source gladkov --at 2022-03-30T08:00:00+03:00 --credibility 3 \
    --quote "There have been no deaths or injuries among the residents."
f decline belgorod-ukrainian-missile --source gladkov --at 2022-03-30T08:00:00+03:00 \
    --note "He said that no Russian citizens were hurt, but he didn't say anything about what caused the blast."
f claim belgorod-ukrainian-missile --source tass --at 2022-03-30T09:00:00+03:00 --credibility 4 \
    --quote "Early reports suggested that the explosion was caused by a Ukrainian missile."
f claim belgorod-soldiers-hurt --source emergency-services-source --at 2022-03-30T09:00:00+03:00 --credibility 4 \
    --quote "Four soldiers were hurt"
# "Four soldiers were hurt, a source with the emergency services told TASS": TASS's claim cites that source, so the
# two claims are one independent assertion (status and label still name both).
f claim belgorod-soldiers-hurt --source tass --cites emergency-services-source --at 2022-03-30T09:00:00+03:00 --credibility 4 \
    --quote "The shell hit the land of a temporary military camp in the Belgorod area. Four soldiers were hurt."
f claim belgorod-explosion --source article --at 2022-03-30T12:00:00+01:00 --credibility 2 \
    --quote "New visuals suggest that an explosion took place in Belgorod, western Russia."
f confirm russia-scales-back-kyiv --source russia-deputy-defence-minister --at 2022-03-29T15:00:00+03:00 \
    --quote "Moscow has decided to fundamentally... cut back military activity in the direction of Kyiv and Chernihiv"
f confirm russia-refocus-donbas --source shoigu --at 2022-03-29T18:00:00+03:00 \
    --quote "Russian forces will now focus on 'liberating' the eastern part of the Donbass region"
f claim putin-may-escalate --source boris-johnson --at 2022-03-30T12:00:00+01:00 \
    --quote "Vladimir Putin could still try to 'twist the knife'"
f deny russia-scales-back-kyiv --source western-official --at 2022-03-30T12:00:00+01:00 --credibility 3 \
    --quote "Nothing that we have seen so far has shown us that President Putin and his colleagues are very serious about scaling back"

echo
echo "== The log ($DB)"
factlog log
echo
echo "== What is believed"
factlog status
factlog verify
REPORT="${2:-${DB%.db}.md}"
factlog export markdown -o "$REPORT"
echo "== The Markdown report: $REPORT"
