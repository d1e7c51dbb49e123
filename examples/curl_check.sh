#!/usr/bin/env bash
# The raw check of /v1/responses: no SDK, just curl. Prints the output text ("ok" when the gateway is wired right).
set -euo pipefail
base="${OPENAI_BASE_URL:-http://localhost:8080/v1}"
curl -sS "$base/responses" \
  -H "Authorization: Bearer ${GATEWAY_MASTER_KEY:-change-me}" \
  -H "Content-Type: application/json" \
  -d "{\"model\": \"${OPENAI_MODEL:-openai/gpt-5-mini}\", \"input\": \"Reply with exactly ok.\"}" |
  python3 -c 'import json,sys; r=json.load(sys.stdin); print("".join(c.get("text","") for i in r.get("output",[]) if i.get("type")=="message" for c in i["content"]) if "output" in r else r)'
