#!/bin/sh
# Create the broker's logins: a password file and the ACL next to it, with one login for the ingest and one per
# device (its device code as username, its own password, allowed to publish only its own topics). The simulator's
# login (which may publish for every greenhouse) is made only with --simulator: a demo or test broker, never a
# park's real one. Prints "username password" lines once: keep them safe, give each device its own.
#
# Usage: make-passwords.sh DIR DEVICES [--simulator]
#   DIR      where to write `passwords` and `acl` (e.g. /etc/mosquitto/farm)
#   DEVICES  a file of "GREENHOUSE DEVICE" lines (e.g. "GH-007 th-007"); `python -m farm device-list > devices.txt`
#            writes the park's registered devices; "-" reads standard input
# Environment: FARM_PARK (default yawei), the park code in the topics.
set -eu
dir="${1:?usage: $0 DIR DEVICES [--simulator]}"
devices="${2:?usage: $0 DIR DEVICES [--simulator]}"
simulator="${3:-}"
park="${FARM_PARK:-yawei}"
here="$(cd "$(dirname "$0")" && pwd)"
valid='^[A-Za-z0-9._-][A-Za-z0-9._-]*$'
umask 077
mkdir -p "$dir"
passwords="$dir/passwords"
acl="$dir/acl"
: > "$passwords"
sed "s#farm/yawei/#farm/$park/#g" "$here/acl" > "$acl"
new_password() { head -c 18 /dev/urandom | base64 | tr -d '/+=\n' ; }
add_login() { pw="$(new_password)"; mosquitto_passwd -b "$passwords" "$1" "$pw"; echo "$1 $pw"; }

add_login ingest
if [ "$simulator" = "--simulator" ]; then
  add_login simulator
  printf '\n# The simulator (demo and testing only) writes for every greenhouse.\nuser simulator\ntopic write farm/%s/#\n' \
    "$park" >> "$acl"
fi
if [ "$devices" = "-" ]; then devices=/dev/stdin; fi
grep -v '^[[:space:]]*\(#\|$\)' "$devices" | while read -r greenhouse device _rest; do
  # A code with / + # or spaces would widen the ACL: refuse it.
  if ! printf '%s' "$greenhouse" | grep -q "$valid" || ! printf '%s' "$device" | grep -q "$valid"; then
    echo "skipped: bad greenhouse or device code: $greenhouse $device" >&2
    continue
  fi
  add_login "$device"
  printf '\nuser %s\ntopic write farm/%s/%s/%s/telemetry\ntopic write farm/%s/%s/%s/status\n' \
    "$device" "$park" "$greenhouse" "$device" "$park" "$greenhouse" "$device" >> "$acl"
done
chown mosquitto: "$passwords" "$acl" 2>/dev/null || true
