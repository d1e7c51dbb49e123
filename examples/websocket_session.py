"""The Agents SDK over the Responses websocket transport: `responses_websocket_session` keeps one socket open
across runs, and a later run continues an earlier one by `previous_response_id` on the same socket.

Run: OPENAI_MODEL=groq/llama-3.3-70b-versatile python -m examples.websocket_session
It prints `over websocket: ok`, then `code word: quince`, remembered through the chained response.
"""

import asyncio
import sys

from agents import Agent, responses_websocket_session, set_tracing_disabled

from examples._env import API_KEY, BASE_URL, model

set_tracing_disabled(True)


async def main() -> None:
    # model_id modes: `anthropic/...` and `openai/...` reach the gateway as written, prefix and all.
    async with responses_websocket_session(
        api_key=API_KEY, base_url=BASE_URL, openai_prefix_mode="model_id", unknown_prefix_mode="model_id"
    ) as ws:
        agent = Agent(name="Socket", model=model())
        first = await ws.run(agent, "Reply with exactly ok.")
        print(f"over websocket: {first.final_output}")
        remembered = await ws.run(agent, "Remember the code word quince.")
        # The second run continues the first response on the same socket, so the history is the gateway's.
        later = await ws.run(agent, "What is the code word?", previous_response_id=remembered.last_response_id)
        print(f"code word: {later.final_output}")
        if "quince" not in str(later.final_output).lower():
            sys.exit("the chained run did not see the earlier one")


if __name__ == "__main__":
    asyncio.run(main())
