"""A handoff: the triage agent transfers the conversation to a specialist (a tool call under the hood).

Run: OPENAI_MODEL=groq/llama-3.3-70b-versatile python -m examples.handoffs
It prints which agent gave the final answer: `answered by: Weather agent`.
"""

import asyncio
import sys

from agents import Agent, OpenAIResponsesModel, Runner, handoff, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    llm = OpenAIResponsesModel(model=model(), openai_client=client())
    specialist = Agent(name="Weather agent", instructions="You answer weather questions.", model=llm)
    # The SDK offers the handoff to the model as a function tool named transfer_to_<agent name>.
    triage = Agent(name="Triage agent", handoffs=[handoff(specialist)], model=llm)
    result = await Runner.run(triage, "Call the tool transfer_to_weather_agent")
    print(f"answered by: {result.last_agent.name}")
    if result.last_agent is not specialist:
        sys.exit("the triage agent never handed off")
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
