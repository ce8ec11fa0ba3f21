#!/bin/sh
# Create the broker's password file: one login for the ingest, one for the simulator, one per greenhouse
# (GH-001 ... GH-104; devices of a greenhouse share it). Prints "username password" lines once: keep them safe.
# Usage: make-passwords.sh /etc/mosquitto/farm/passwords [greenhouse count]
set -eu
file="${1:?usage: $0 PASSWORD_FILE [GREENHOUSES]}"
count="${2:-104}"
umask 077
: > "$file"
new_password() { head -c 18 /dev/urandom | base64 | tr -d '/+=' ; }
for user in ingest simulator; do
  pw="$(new_password)"; mosquitto_passwd -b "$file" "$user" "$pw"; echo "$user $pw"
done
n=1
while [ "$n" -le "$count" ]; do
  user="$(printf 'GH-%03d' "$n")"; pw="$(new_password)"
  mosquitto_passwd -b "$file" "$user" "$pw"; echo "$user $pw"
  n=$((n + 1))
done
chown mosquitto: "$file" 2>/dev/null || true
