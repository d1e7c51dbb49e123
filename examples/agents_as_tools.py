"""An agent used as a tool by another agent (Agent.as_tool): the orchestrator keeps control of the conversation.

Run: python -m examples.agents_as_tools
It prints the run items of the orchestrator, then its answer built from the specialist's reply.
"""

import asyncio
import sys

from agents import Agent, OpenAIResponsesModel, Runner, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    llm = OpenAIResponsesModel(model=model(), openai_client=client())
    specialist = Agent(name="Specialist", instructions="Answer briefly.", model=llm)
    # Unlike a handoff, the specialist runs as a nested agent run; its final output becomes the tool's output.
    orchestrator = Agent(
        name="Orchestrator",
        model=llm,
        tools=[specialist.as_tool(tool_name="ask_specialist", tool_description="Ask the specialist.")],
    )
    result = await Runner.run(orchestrator, "Call the tool ask_specialist with input=hello")
    items = [item.type for item in result.new_items]
    print(f"items: {items}")
    if "tool_call_output_item" not in items:
        sys.exit("the orchestrator never got an answer from the specialist")
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
