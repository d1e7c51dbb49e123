"""Structured output: the agent's output_type becomes text.format json_schema, and comes back as a model instance.

Routes that cannot honour it (the reference gateway's Anthropic route) reject it with a 400 instead of ignoring it;
the script then prints the gateway's message and exits 1.
Run: OPENAI_MODEL=gemini/gemini-2.0-flash python -m examples.structured_output
It prints the parsed object, e.g. `City: {"city":"Paris","population":2100000}`.
"""

import asyncio
import sys

import openai
from agents import Agent, OpenAIResponsesModel, Runner, set_tracing_disabled
from pydantic import BaseModel

from examples._env import client, model

set_tracing_disabled(True)


class City(BaseModel):
    city: str
    population: int


async def main() -> None:
    # The SDK parses the reply into City and raises if it does not fit the schema.
    agent = Agent(name="Facts", output_type=City, model=OpenAIResponsesModel(model=model(), openai_client=client()))
    try:
        result = await Runner.run(agent, "Describe Paris with its city name and population.")
    except openai.BadRequestError as err:
        # A route that cannot honour the schema says so, rather than answering in free text.
        message = err.body.get("message") if isinstance(err.body, dict) else None
        sys.exit(f"rejected ({err.status_code}): {message or err}")
    city = result.final_output_as(City)
    print(f"{type(city).__name__}: {city.model_dump_json()}")


if __name__ == "__main__":
    asyncio.run(main())
