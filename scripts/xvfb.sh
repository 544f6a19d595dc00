# Sourced by scripts that need a display: when there is none, starts a private Xvfb
# (it picks a free display number and writes it to fd 3) and stops it on exit.
if [ -z "${DISPLAY:-}" ]; then
  dispfile=$(mktemp)
  Xvfb -displayfd 3 -screen 0 1280x800x24 3>"$dispfile" >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null; rm -f "$dispfile"' EXIT
  for _ in $(seq 100); do [ -s "$dispfile" ] && break; sleep 0.1; done
  [ -s "$dispfile" ] || { echo "Xvfb did not start" >&2; exit 1; }
  export DISPLAY=":$(head -n1 "$dispfile")"
fi
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1
