"""A function-tool loop: the model calls a local Python function, the SDK sends its result back, the model answers.

Run: OPENAI_MODEL=gemini/gemini-2.0-flash python -m examples.function_tools
It prints the tool calls made, then the model's answer built from the tool's output.
"""

import asyncio
import sys

from agents import Agent, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled
from openai.types.responses import ResponseFunctionToolCall

from examples._env import client, model

set_tracing_disabled(True)


@function_tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"Sunny in {city}, 31 degrees"


def weather_agent() -> Agent:
    # OpenAIResponsesModel with our own client: the model ID goes to the gateway as written (no prefix parsing).
    return Agent(name="Weather", tools=[get_weather], model=OpenAIResponsesModel(model=model(), openai_client=client()))


async def main() -> None:
    result = await Runner.run(weather_agent(), "Call the tool get_weather with city=Paris")
    calls = [item.raw_item.name for item in result.new_items if isinstance(item.raw_item, ResponseFunctionToolCall)]
    print(f"tool calls: {calls}")
    if "get_weather" not in calls:
        sys.exit("the model never called get_weather: were the tools passed on?")
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
