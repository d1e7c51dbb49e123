"""Structured output: the agent's output_type becomes text.format json_schema, and comes back as a model instance.

Routes that cannot honour it (the reference gateway's Anthropic route) reject it with a 400 instead of ignoring it.
Run: python -m examples.structured_output
"""

import asyncio

from agents import Agent, OpenAIResponsesModel, Runner, set_tracing_disabled
from pydantic import BaseModel

from examples._env import client, model

set_tracing_disabled(True)


class City(BaseModel):
    city: str
    population: int


async def main() -> None:
    agent = Agent(name="Facts", output_type=City, model=OpenAIResponsesModel(model=model(), openai_client=client()))
    result = await Runner.run(agent, "Describe Paris with its city name and population.")
    print(f"{type(result.final_output).__name__}: {result.final_output.model_dump_json()}")


if __name__ == "__main__":
    asyncio.run(main())
