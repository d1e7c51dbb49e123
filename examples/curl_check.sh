#!/usr/bin/env bash
# The raw check of /v1/responses: no SDK, just curl. Prints the output text ("ok" when the gateway is wired right),
# or the gateway's error message and exits 1.
# Run: OPENAI_BASE_URL=http://localhost:8080/v1 GATEWAY_MASTER_KEY=change-me bash examples/curl_check.sh
set -euo pipefail
base="${OPENAI_BASE_URL:-http://localhost:8080/v1}"
model="${OPENAI_MODEL:-openai/gpt-5-mini}"

# python3 instead of jq (which may be absent) picks the text parts of the message items out of the Response.
curl -sS "$base/responses" \
  -H "Authorization: Bearer ${GATEWAY_MASTER_KEY:-change-me}" \
  -H "Content-Type: application/json" \
  -d "{\"model\": \"$model\", \"input\": \"Reply with exactly ok.\"}" |
  python3 -c '
import json, sys
body = json.load(sys.stdin)
if body.get("error"):  # an error envelope, or a failed Response
    sys.exit("error: " + str(body["error"].get("message")))
texts = [part.get("text", "") for item in body.get("output", []) if item.get("type") == "message"
         for part in item.get("content", []) if part.get("type") == "output_text"]
print("".join(texts))
'
