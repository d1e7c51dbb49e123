"""Runner.run_streamed over HTTP/SSE: text deltas printed as they arrive, then the final output.

Run: python -m examples.streaming
"""

import asyncio

from agents import Agent, OpenAIResponsesModel, Runner, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    agent = Agent(name="Streamer", model=OpenAIResponsesModel(model=model(), openai_client=client()))
    result = Runner.run_streamed(agent, "Reply with exactly streaming works through the gateway.")
    async for event in result.stream_events():
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
            print(event.data.delta, end="", flush=True)
    print()
    print(f"final: {result.final_output}")


if __name__ == "__main__":
    asyncio.run(main())
