"""A hosted tool on a chat-translated route is rejected with a clear 400, not silently dropped.

Run: OPENAI_MODEL=anthropic/claude-sonnet-4-20250514 python -m examples.hosted_tool_rejection
It prints `rejected (400): <the gateway's message>`. On a native route (openai/gpt-5-mini) the search runs and it
prints `accepted: ...`; a gateway that accepts the request but drops the tool makes it exit non-zero.
"""

import asyncio
import sys

import openai
from agents import Agent, OpenAIResponsesModel, Runner, WebSearchTool, set_tracing_disabled
from openai.types.responses import ResponseFunctionWebSearch

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    agent = Agent(
        name="Researcher",
        tools=[WebSearchTool()],  # executed by the provider, not by this process: a chat API has no such tool
        model=OpenAIResponsesModel(model=model("anthropic/claude-sonnet-4-20250514"), openai_client=client()),
    )
    try:
        result = await Runner.run(agent, "Use the hosted tool web_search to find the weather in Paris.")
    except openai.BadRequestError as err:
        # The gateway's OpenAI error envelope: {"error": {"type", "message", "param", "code"}}.
        message = err.body.get("message") if isinstance(err.body, dict) else None
        print(f"rejected ({err.status_code}): {message or err}")
        return
    searches = [item for item in result.new_items if isinstance(item.raw_item, ResponseFunctionWebSearch)]
    if not searches:
        sys.exit(f"accepted, but no web search ran: the tool was dropped. Answer: {result.final_output}")
    print(f"accepted: {len(searches)} web search call(s); {result.final_output}")


if __name__ == "__main__":
    asyncio.run(main())
