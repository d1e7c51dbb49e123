"""The same tool loop, streamed: run items (tool call, tool output, message) arrive as they happen.

Run: OPENAI_MODEL=anthropic/claude-sonnet-4-20250514 python -m examples.streamed_tools
It prints each run item's type as it arrives, then the model's answer.
"""

import asyncio
import sys

from agents import Agent, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


@function_tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"Sunny in {city}, 31 degrees"


async def main() -> None:
    agent = Agent(
        name="Weather", tools=[get_weather], model=OpenAIResponsesModel(model=model(), openai_client=client())
    )
    result = Runner.run_streamed(agent, "Call the tool get_weather with city=Lisbon")
    seen: list[str] = []
    async for event in result.stream_events():
        # run_item_stream_event: the SDK's own view (a whole tool call, its output, a message), not raw SSE.
        if event.type == "run_item_stream_event":
            seen.append(event.item.type)
            print(f"item: {event.item.type}")
    if "tool_call_output_item" not in seen:
        sys.exit("no tool output in the stream: the streamed tool call never completed")
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
