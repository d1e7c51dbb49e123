"""A hosted tool on a chat-translated route is rejected with a clear 400, not silently dropped.

Run: OPENAI_MODEL=anthropic/claude-sonnet-4-20250514 python -m examples.hosted_tool_rejection
"""

import asyncio

import openai
from agents import Agent, OpenAIResponsesModel, Runner, WebSearchTool, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    agent = Agent(
        name="Researcher",
        tools=[WebSearchTool()],
        model=OpenAIResponsesModel(model=model("anthropic/claude-sonnet-4-20250514"), openai_client=client()),
    )
    try:
        result = await Runner.run(agent, "Use the hosted tool web_search to find the weather in Paris.")
    except openai.BadRequestError as err:
        print(f"rejected ({err.status_code}): {err.body['message'] if isinstance(err.body, dict) else err}")
        return
    print(f"accepted: {result.final_output}")


if __name__ == "__main__":
    asyncio.run(main())
