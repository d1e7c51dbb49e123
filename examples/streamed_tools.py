"""The same tool loop (examples/function_tools.py's agent), streamed: run items (tool call, tool output, message)
arrive as they happen.

Run: OPENAI_MODEL=anthropic/claude-sonnet-4-20250514 python -m examples.streamed_tools
It prints each run item's type as it arrives, then the model's answer.
"""

import asyncio
import sys

from agents import Runner

from examples.function_tools import weather_agent


async def main() -> None:
    result = Runner.run_streamed(weather_agent(), "Call the tool get_weather with city=Lisbon")
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
