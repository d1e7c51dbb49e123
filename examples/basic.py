"""The smallest Agents SDK run through a gateway: the SDK's default client points at the gateway, tracing is off.

Run: OPENAI_BASE_URL=http://localhost:8080/v1 GATEWAY_MASTER_KEY=change-me python -m examples.basic
"""

import asyncio

from agents import Agent, Runner, set_default_openai_client, set_tracing_disabled

from examples._env import client, model

set_default_openai_client(client(), use_for_tracing=False)
set_tracing_disabled(True)  # traces would go to OpenAI with the gateway key otherwise


async def main() -> None:
    agent = Agent(name="Gateway assistant", instructions="Be concise.", model=model())
    result = await Runner.run(agent, "Reply with exactly ok.")
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
