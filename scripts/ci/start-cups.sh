#!/usr/bin/env bash
# Starts a real CUPS with a CUPS-PDF virtual printer for the printer adapter and mail-merge tests.
#
# - installs `cups`, `printer-driver-cups-pdf` (and `poppler-utils` for pdftotext) only when they are missing (apt-get update only then);
# - starts cupsd without systemd when it is not answering;
# - adds the queue `bus-pdf` (device cups-pdf:/, the CUPS-PDF PPD) when it does not exist, enables it;
# - points CUPS-PDF's output folder at BUS_CUPS_PDF_DIR (default /var/spool/cups-pdf/bus) for every
#   user, including anonymous IPP jobs, so tests know where printed PDFs land.
# Idempotent; when everything is already up it only checks and returns (well under a second).
#
# Usage: bash scripts/ci/start-cups.sh   (as root; prints `CUPS-PDF output: <dir>` at the end)
set -euo pipefail

QUEUE="${BUS_CUPS_QUEUE:-bus-pdf}"
OUT_DIR="${BUS_CUPS_PDF_DIR:-/var/spool/cups-pdf/bus}"
CONF=/etc/cups/cups-pdf.conf
PPD=/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd

if [ "$(id -u)" -ne 0 ]; then
  echo "start-cups.sh must run as root (it installs packages and starts cupsd)" >&2
  exit 1
fi

# 1. packages, only when missing; another process may hold the dpkg lock, so wait for it.
missing=()
# poppler-utils (pdftotext) normally comes with cups; the tests read printed PDFs back with it.
for pkg in cups printer-driver-cups-pdf poppler-utils; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
[ -f "$PPD" ] || PPD="$(ls /usr/share/ppd/cups-pdf/*.ppd 2>/dev/null | head -n 1)"
[ -n "$PPD" ] && [ -f "$PPD" ] || { echo "CUPS-PDF PPD not found under /usr/share/ppd/cups-pdf" >&2; exit 1; }

# 2. output folder: the same for named users and anonymous jobs; `Label 2` appends -job_<id> so
#    two jobs with one title never overwrite each other.
mkdir -p "$OUT_DIR"
chmod 1777 "$OUT_DIR"
set_conf() { # key value: replace an active or commented line, else append
  if grep -Eq "^#?[[:space:]]*$1([[:space:]]|$)" "$CONF"; then
    sed -i -E "s|^#?[[:space:]]*$1([[:space:]].*)?$|$1 $2|" "$CONF"
  else
    echo "$1 $2" >>"$CONF"
  fi
}
touch "$CONF"
set_conf Out "$OUT_DIR"
set_conf AnonDirName "$OUT_DIR"
set_conf Label 2
set_conf TitlePref 1

# 3. cupsd without systemd: it detaches by itself and reads /etc/cups/cupsd.conf (loopback only).
cups_up() { lpstat -r 2>/dev/null | grep -q 'is running'; }
if ! cups_up; then
  mkdir -p /run/cups
  /usr/sbin/cupsd
  for _ in $(seq 1 50); do cups_up && break; sleep 0.2; done
  cups_up || { echo "cupsd did not start; see /var/log/cups/error_log" >&2; exit 1; }
fi

# 4. the queue
if ! lpstat -p "$QUEUE" >/dev/null 2>&1; then
  lpadmin -p "$QUEUE" -v cups-pdf:/ -P "$PPD" -E -D "bpi-bus CUPS-PDF test printer"
fi
cupsenable "$QUEUE"
cupsaccept "$QUEUE"

echo "CUPS: ipp://127.0.0.1:631/printers/$QUEUE"
echo "CUPS-PDF output: $OUT_DIR"
