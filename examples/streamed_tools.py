"""The same tool loop, streamed: run items (tool call, tool output, message) arrive as they happen.

Run: python -m examples.streamed_tools
"""

import asyncio

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
    async for event in result.stream_events():
        if event.type == "run_item_stream_event":
            print(f"item: {event.item.type}")
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
