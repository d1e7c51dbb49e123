"""A handoff: the triage agent transfers the conversation to a specialist (a tool call under the hood).

Run: python -m examples.handoffs
"""

import asyncio

from agents import Agent, OpenAIResponsesModel, Runner, handoff, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    llm = OpenAIResponsesModel(model=model(), openai_client=client())
    specialist = Agent(name="Weather agent", instructions="You answer weather questions.", model=llm)
    triage = Agent(name="Triage agent", handoffs=[handoff(specialist)], model=llm)
    result = await Runner.run(triage, "Call the tool transfer_to_weather_agent")
    print(f"answered by: {result.last_agent.name}")


if __name__ == "__main__":
    asyncio.run(main())
