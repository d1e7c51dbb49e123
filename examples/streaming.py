"""Runner.run_streamed over HTTP/SSE: text deltas printed as they arrive, then the final output.

Run: python -m examples.streaming
It prints the reply as it streams, then `final: streaming works through the gateway`.
"""

import asyncio
import sys

from agents import Agent, OpenAIResponsesModel, Runner, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    agent = Agent(name="Streamer", model=OpenAIResponsesModel(model=model(), openai_client=client()))
    result = Runner.run_streamed(agent, "Reply with exactly streaming works through the gateway.")
    streamed = ""
    async for event in result.stream_events():
        # raw_response_event carries the gateway's SSE events as they are; text arrives in output_text deltas.
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
            streamed += event.data.delta
            print(event.data.delta, end="", flush=True)
    print()
    if streamed != result.final_output:
        sys.exit(f"the deltas {streamed!r} do not add up to the final text {result.final_output!r}")
    print(f"final: {result.final_output}")


if __name__ == "__main__":
    asyncio.run(main())
