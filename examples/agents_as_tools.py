"""An agent used as a tool by another agent (Agent.as_tool).

Run: python -m examples.agents_as_tools
"""

import asyncio

from agents import Agent, OpenAIResponsesModel, Runner, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    llm = OpenAIResponsesModel(model=model(), openai_client=client())
    specialist = Agent(name="Specialist", instructions="Answer briefly.", model=llm)
    orchestrator = Agent(
        name="Orchestrator",
        model=llm,
        tools=[specialist.as_tool(tool_name="ask_specialist", tool_description="Ask the specialist.")],
    )
    result = await Runner.run(orchestrator, "Call the tool ask_specialist with input=hello")
    used = [item.type for item in result.new_items]
    print(f"items: {used}")
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
