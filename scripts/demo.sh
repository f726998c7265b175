#!/usr/bin/env bash
# The main job, for a fresh machine: builds the `corridor` CLI and walks through every capability
# that exists so far, in a temporary data directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >/dev/null
cargo build -q -p corridor-cli
corridor=$PWD/target/debug/corridor
phone=$(mktemp -d)
tablet=$(mktemp -d)
hubdata=$(mktemp -d)
hublog=$(mktemp)
hubpid=
trap '[[ -n "$hubpid" ]] && kill "$hubpid" 2>/dev/null; rm -rf "$phone" "$tablet" "$hubdata" "$hublog"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" || echo "(exit code $?)"; }
run() { local vars=(); while [[ "$1" == *=* ]]; do vars+=("$1"); shift; done
        printf '$ %s corridor %s\n' "${vars[*]}" "$*"; env "${vars[@]}" "$corridor" --data-dir "$phone" "$@" || echo "(exit code $?)"; }

step "A phone: set up the person's profile (a decoy profile is created beside it)"
run CORRIDOR_PIN=123456 setup --role personal
run CORRIDOR_PIN=482916 setup --role personal
run status
show ls -l "$phone" "$phone/profiles"

step "Unlock with the PIN (typed in any script's digits: ٤٨٢٩١٦ is the same PIN)"
run CORRIDOR_PIN=482916 unlock
run CORRIDOR_PIN=٤٨٢٩١٦ unlock

step "Encrypted settings: the value is stored, and appears in no file on disk"
run CORRIDOR_PIN=482916 settings set greeting "Sawubona, Lindiwe"
run CORRIDOR_PIN=482916 settings get greeting
printf '$ grep -r Lindiwe DATA_DIR\n'; grep -r -c Lindiwe "$phone" | grep -v ':0$' || echo "(no file contains it)"

step "Change the PIN (the data key is re-wrapped; the database is not rewritten)"
run CORRIDOR_PIN=482916 CORRIDOR_NEW_PIN=730184 pin change
run CORRIDOR_PIN=730184 settings get greeting

step "Auto-lock and the optional wipe after repeated wrong PINs"
run CORRIDOR_PIN=730184 auto-lock 120
run CORRIDOR_PIN=730184 wipe-after 10
run CORRIDOR_PIN=730184 status

step "Interactive mode: one unlock, then commands; lock drops the keys"
printf 'settings list\nlock\nsettings get greeting\nunlock\nsettings get greeting\nquit\n' \
  | CORRIDOR_PIN=730184 "$corridor" --data-dir "$phone" shell

step "The disguise: a working calculator; the PIN typed as a number and = opens the app"
run calc --keys "2+3*4="
run calc --keys "0.1+0.2="
run calc --keys "50+10%="
run calc --keys "1/0="
run --json calc --keys "111111="
run --json calc --keys "730184="
run cover

step "A duress PIN: it opens a harmless decoy, and (with --erase) destroys the real profile"
run CORRIDOR_PIN=730184 CORRIDOR_DURESS_PIN=505050 duress set --erase
run --json calc --keys "505050="
run CORRIDOR_PIN=505050 settings list
run --json calc --keys "730184="
printf '(the real PIN opens nothing any more; the files look like those of a decoy-only user)\n'
show ls -l "$phone/profiles"

step "Client codes: random, checkable, scannable; nothing about the person"
run code new --count 3
run code check "k7qm 4tx9 b2q"
run code check "K7QM-4TX9-BQ2"
run code check "K7QM-4TX9-B2U"
run CORRIDOR_PIN=505050 code show --qr

step "Recovery kit: a secret shown once restores code and settings on a new phone"
run CORRIDOR_PIN=505050 settings set language pt
secret=$(CORRIDOR_PIN=505050 "$corridor" --data-dir "$phone" --json recovery create | sed 's/.*"recovery_secret":"\([^"]*\)".*/\1/')
printf '$ CORRIDOR_PIN=505050 corridor recovery create\n(the recovery secret, shown once: %s)\n' "$secret"
printf '$ CORRIDOR_RECOVERY=… CORRIDOR_PIN=505050 corridor recovery confirm\n'
CORRIDOR_RECOVERY="$secret" CORRIDOR_PIN=505050 "$corridor" --data-dir "$phone" recovery confirm
run CORRIDOR_PIN=505050 backup export "$phone.backup"
newphone=$(mktemp -d)
printf '$ CORRIDOR_RECOVERY=… CORRIDOR_PIN=271828 corridor --data-dir NEW_PHONE backup restore BACKUP\n'
CORRIDOR_RECOVERY="$secret" CORRIDOR_PIN=271828 "$corridor" --data-dir "$newphone" backup restore "$phone.backup"
printf '$ CORRIDOR_PIN=271828 corridor --data-dir NEW_PHONE settings get language\n'
CORRIDOR_PIN=271828 "$corridor" --data-dir "$newphone" settings get language
rm -rf "$newphone" "$phone.backup"

step "Reminders whose text reveals nothing (times in Africa/Maputo)"
export CORRIDOR_ZONE=Africa/Maputo
soon=$(date -d "+2 days" +%F); later=$(date -d "+9 days" +%F)
run CORRIDOR_PIN=505050 remind add --kind daily_pill --at "$soon 21:00"
run CORRIDOR_PIN=505050 remind add --kind hiv_test --at "$later 10:00" --explicit
run CORRIDOR_PIN=505050 remind add --kind contraceptive_injection --at "$later 08:00" --every 13w --count 4
printf '(the lock screen sees only the cover texts; "unlocked:" is what an explicit reminder adds once unlocked)\n'
run CORRIDOR_PIN=505050 remind plan --days 10
payload=$("$corridor" remind handover --kind art_refill --at "$later 09:30" --site 42)
printf '$ corridor remind handover --kind art_refill --at "%s 09:30" --site 42\n%s\n' "$later" "$payload"
run CORRIDOR_PIN=505050 remind import-qr "$payload"
run CORRIDOR_PIN=505050 remind list
pill=$(CORRIDOR_PIN=505050 "$corridor" --data-dir "$phone" --json remind list | sed 's/.*"id":"\([0-9a-f]*\)","kind":"daily_pill".*/\1/')
run CORRIDOR_PIN=505050 remind taken "$pill" --date "$(date -d yesterday +%F)"
run CORRIDOR_PIN=505050 remind taken "$pill"
run CORRIDOR_PIN=505050 remind adherence
unset CORRIDOR_ZONE

step "Wrong PINs are counted on disk, across runs; from the 5th, each attempt must wait (the wipe is on: it counts down)"
for guess in 111111 222222 333333 444444 555555; do run CORRIDOR_PIN=$guess unlock; done
run --json calc --keys "730184="
run --json status

step "Quick delete: no PIN needed, erases everything"
run wipe
run wipe --now
run status

step "A shared tablet: each peer educator has a profile, picked by display name"
corridor_tablet() { printf '$ corridor %s\n' "$*"; "$corridor" --data-dir "$tablet" "$@" || echo "(exit code $?)"; }
CORRIDOR_PIN=482916 corridor_tablet setup --role educator --name Thandi
CORRIDOR_PIN=482916 corridor_tablet setup --role educator --name Maria
corridor_tablet status
CORRIDOR_PIN=482916 corridor_tablet --profile maria unlock
CORRIDOR_PIN=482916 corridor_tablet unlock

step "The hub: started on an empty directory, no other set-up"
printf '$ corridor hub serve --data HUB --addr 127.0.0.1:0 &\n'
"$corridor" hub serve --data "$hubdata" --addr 127.0.0.1:0 2>"$hublog" &
hubpid=$!
for _ in $(seq 300); do grep -q "listening on" "$hublog" && break; sleep 0.1; done
hub=http://$(sed -n 's/.*listening on \([0-9.]*:[0-9]*\).*/\1/p' "$hublog" | head -1)
corridor_plain() { printf '$ corridor %s\n' "$*"; "$corridor" --data-dir "$tablet" "$@" || echo "(exit code $?)"; }
corridor_plain hub health --hub "$hub"
export CORRIDOR_HUB_PASSWORD="correct horse battery staple"
corridor_plain hub user add --data "$hubdata" --role educator --site beitbridge --site musina thandi
corridor_plain hub user add --data "$hubdata" --role crt --site beitbridge bongani
corridor_plain hub user list --data "$hubdata"

step "A tablet logs in once; an admin can revoke a lost tablet's token"
corridor_tablet hub login --hub "$hub" --user thandi --label "tablet 1, Beitbridge"
corridor_tablet hub whoami
corridor_plain hub token list --data "$hubdata"
corridor_tablet sync
token=$("$corridor" --data-dir "$tablet" --json hub whoami | sed 's/.*"token_id":"\([0-9a-f]*\)".*/\1/')
corridor_plain hub token revoke --data "$hubdata" "$token"
corridor_tablet hub whoami
unset CORRIDOR_HUB_PASSWORD

step "Backups at the hub: the recovery secret alone finds and opens them on a new phone"
phone2=$(mktemp -d); phone3=$(mktemp -d)
on() { local dir=$1; shift; local vars=(); while [[ "$1" == *=* ]]; do vars+=("$1"); shift; done
       printf '$ %s corridor %s\n' "${vars[*]}" "$*"; env "${vars[@]}" "$corridor" --data-dir "$dir" "$@" || echo "(exit code $?)"; }
on "$phone2" CORRIDOR_PIN=482916 setup --role personal
on "$phone2" CORRIDOR_PIN=482916 settings set language pt
secret=$(CORRIDOR_PIN=482916 "$corridor" --data-dir "$phone2" --json recovery create | sed 's/.*"recovery_secret":"\([^"]*\)".*/\1/')
CORRIDOR_RECOVERY="$secret" CORRIDOR_PIN=482916 "$corridor" --data-dir "$phone2" recovery confirm
on "$phone2" CORRIDOR_PIN=482916 backup push --hub "$hub"
printf '(the hub holds ciphertext under an opaque id; it never sees the backup key)\n'
printf '$ CORRIDOR_RECOVERY=… CORRIDOR_PIN=271828 corridor --data-dir NEW_PHONE backup pull --hub %s\n' "$hub"
CORRIDOR_RECOVERY="$secret" CORRIDOR_PIN=271828 "$corridor" --data-dir "$phone3" backup pull --hub "$hub"
on "$phone3" CORRIDOR_PIN=271828 settings get language
on "$phone3" inbox status 00000000-0000-4000-8000-000000000000 --hub "$hub"
on "$phone3" outbox list

step "Content editors: keys, a repository whose root needs two of three editors, the starter modules"
editors=$(mktemp -d)
export CORRIDOR_KEY_PASSPHRASE="an editor's long passphrase"
ed() { printf '$ corridor %s\n' "$*"; "$corridor" --data-dir "$editors/tool" "$@" || echo "(exit code $?)"; }
for who in ana bruno carla safety1 safety2; do "$corridor" --data-dir "$editors/tool" content keygen --out "$editors/$who.key" --holder "$who" >/dev/null; done
printf '(keys made for ana, bruno, carla and two safety officers: KEY encrypted, KEY.pub public)\n'
repo=$editors/repo
ed content init-repo "$repo" --keys "$editors/ana.key.pub,$editors/bruno.key.pub,$editors/carla.key.pub" --threshold 2 \
   --safety-keys "$editors/safety1.key.pub,$editors/safety2.key.pub" --safety-threshold 2
ed content sign --repo "$repo" --key "$editors/ana.key"
ed content publish --repo "$repo"
ed content sign --repo "$repo" --key "$editors/bruno.key"
ed content publish --repo "$repo"
cp -r content "$editors/src"
printf '(the Zimbabwe Crisis Response Team makes its key; its public half goes into the safety-signed list)\n'
ed crt keygen --out "$editors/zimbabwe-team.key" --key-id crt-zimbabwe-demo | tail -n 2
teamkey=$(sed -n 's/.*"x25519_public": *"\([0-9a-f]*\)".*/\1/p' "$editors/zimbabwe-team.key.pub")
sed -i "s/crt-zimbabwe-demo-placeholder/crt-zimbabwe-demo/; s/7aadaa4f81924cdf6f17d54e9c4dbb60eff0da28c4e16f4f5347e95a071ee58b/$teamkey/" "$editors/src/safety.toml"
ed content lint "$editors/src" | tail -n 1
ed content build "$editors/src" --repo "$repo"
ed content diff --repo "$repo" | sed -n "1,12p"
for who in ana bruno safety1 safety2; do "$corridor" --data-dir "$editors/tool" content sign --repo "$repo" --key "$editors/$who.key" >/dev/null; done
printf '(signed by ana, bruno and both safety officers)\n'
ed content publish --repo "$repo"
ed content preview content --out "$editors/preview" | tail -n 1
mkdir -p "$hubdata/content"; cp -r "$repo" "$hubdata/content/repo"; rm -rf "$hubdata/content/repo/staged"
printf '(the hub serves the published repository as static files at %s/v1/content/repo/)\n' "$hub"

step "A phone trusts the root shipped in the app, sees what an update costs, installs, reads offline"
on "$phone3" content trust "$repo/root/1.json"
on "$phone3" content check --from "$hub/v1/content/repo/"
on "$phone3" content update --from "$hub/v1/content/repo/"
on "$phone3" CORRIDOR_PIN=271828 content list --language pt
on "$phone3" CORRIDOR_PIN=271828 content search 72 horas
on "$phone3" CORRIDOR_PIN=271828 content show pep | sed -n "1,14p"
on "$phone3" CORRIDOR_PIN=271828 content quiz pep --language en --quiz pep-window --answer 1
on "$phone3" CORRIDOR_PIN=271828 content sites

step "A violence report: sealed on the phone to the team's key; PEP urgency first; states only"
on "$phone3" CORRIDOR_PIN=271828 report teams
on "$phone3" CORRIDOR_PIN=271828 report team zimbabwe
on "$phone3" CORRIDOR_PIN=271828 report quick --what sexual --when today --wants urgent-medical-help --near beitbridge
on "$phone3" CORRIDOR_PIN=271828 report list
on "$phone3" outbox list
on "$phone3" CORRIDOR_PIN=271828 report sync --hub "$hub"
printf '(the hub stores ciphertext it cannot read; a coordinator of the team logs in and opens it)\n'
coordinator=$(mktemp -d)
CORRIDOR_HUB_PASSWORD="a coordinator's password" "$corridor" hub user add --data "$hubdata" --role crt --site zimbabwe rudo >/dev/null
CORRIDOR_PIN=482916 "$corridor" --data-dir "$coordinator" setup --role educator --name Rudo >/dev/null
CORRIDOR_HUB_PASSWORD="a coordinator's password" "$corridor" --data-dir "$coordinator" hub login --hub "$hub" --user rudo >/dev/null
printf '$ corridor --data-dir COORDINATOR crt inbox --key zimbabwe-team.key\n'
"$corridor" --data-dir "$coordinator" crt inbox --key "$editors/zimbabwe-team.key" || echo "(exit code $?)"
on "$phone3" CORRIDOR_PIN=271828 report sync --hub "$hub"
rm -rf "$coordinator"

step "One module changes: the phone downloads only that module"
sed -i 's/^version = 1$/version = 2/' "$editors/src/en/pep.md"; printf '\nUpdated for the demo.\n' >> "$editors/src/en/pep.md"
"$corridor" --data-dir "$editors/tool" content build "$editors/src" --repo "$repo" >/dev/null
ed content diff --repo "$repo"
for who in ana carla; do "$corridor" --data-dir "$editors/tool" content sign --repo "$repo" --key "$editors/$who.key" >/dev/null; done
ed content publish --repo "$repo"
rm -rf "$hubdata/content/repo"; cp -r "$repo" "$hubdata/content/repo"; rm -rf "$hubdata/content/repo/staged"
on "$phone3" content check --from "$hub/v1/content/repo/"
on "$phone3" content update --from "$hub/v1/content/repo/"

step "Peer-educator sessions: attendance by client code, sealed for the hub, no code left on the tablet after sync"
on "$tablet" content trust "$repo/root/1.json" >/dev/null
"$corridor" --data-dir "$tablet" content update --from "$hub/v1/content/repo/" >/dev/null
printf '(the tablet trusts the shipped root and installs the content: sites and modules)
'
CORRIDOR_HUB_PASSWORD="correct horse battery staple" "$corridor" --data-dir "$tablet" hub login --hub "$hub" --user thandi >/dev/null
printf '(the tablet logs in again after its token was revoked; the login brings the hub'"'"'s session intake key)\n'
mapfile -t cards < <("$corridor" code new --count 3)
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session start --site beitbridge --kind group --module pep --module prep
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session attend "${cards[0]}" --gender female --age-band 18-24
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session attend "${cards[1]}" --gender transgender --age-band 25-29
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session attend "${cards[0]}"
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session walkin --gender male --age-band 25-29 --count 2
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session commodity male-condoms 40
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session commodity hiv-self-test-kits 3
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session refer --service prep --clinic beitbridge
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session close
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session commodity lubricant 5
printf '(Maria, on the same tablet, sees none of it; her session has one of the same people)\n'
on "$tablet" CORRIDOR_PIN=482916 --profile maria session list
on "$tablet" CORRIDOR_PIN=482916 --profile maria session start --site beitbridge --kind outreach
on "$tablet" CORRIDOR_PIN=482916 --profile maria session attend "${cards[1]}" --gender transgender
on "$tablet" CORRIDOR_PIN=482916 --profile maria session attend "${cards[2]}" --gender female
on "$tablet" CORRIDOR_PIN=482916 --profile maria session close
on "$tablet" outbox list
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session sync
on "$tablet" CORRIDOR_PIN=482916 --profile maria session list
on "$tablet" CORRIDOR_PIN=482916 --profile thandi session stats
printf '(reach at the hub: three people with a code, one counted once although they came to two sessions)\n'
corridor_plain hub reach --data "$hubdata" --month "$(TZ=Africa/Maputo date +%Y-%m)" --site beitbridge
corridor_plain hub reach --data "$hubdata" --month "$(TZ=Africa/Maputo date +%Y-%m)" --csv
printf '$ grep -rl CODE TABLET HUB   # the codes are in no file of the tablet or the hub\n'
for card in "${cards[@]}"; do grep -rl "$card" "$tablet" "$hubdata" || true; done

unset CORRIDOR_KEY_PASSPHRASE
rm -rf "$phone2" "$phone3" "$editors"

step "SIGTERM stops the hub after open requests; its log names routes, never a token, id or address"
kill -TERM "$hubpid"; wait "$hubpid" || true; hubpid=
show tail -n 6 "$hublog"

printf '\nDemo finished; the temporary data directories are removed.\n'
