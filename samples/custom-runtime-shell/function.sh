# The handler: counts the bytes of the event and says which source sent it; an event with
# "fail" in it makes it fail. Logs go to stderr (stdout is the response).
handler() {
  EVENT="$1"
  echo "got $(printf '%s' "$EVENT" | wc -c | tr -d ' ') bytes" >&2
  case "$EVENT" in *fail*) return 1 ;; esac
  SOURCE="$(printf '%s' "$EVENT" | grep -o '"source": *"[^"]*"' | head -n 1 | sed 's/.*: *"\(.*\)"/\1/')"
  printf '{"bytes": %s, "source": "%s"}' "$(printf '%s' "$EVENT" | wc -c | tr -d ' ')" "${SOURCE:-unknown}"
}
