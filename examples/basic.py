"""The smallest Agents SDK run through a gateway: the SDK's default client points at the gateway, tracing is off.

Run: OPENAI_BASE_URL=http://localhost:8080/v1 GATEWAY_MASTER_KEY=change-me python -m examples.basic
It prints `ok`.
"""

import asyncio

from agents import Agent, Runner, set_default_openai_client, set_tracing_disabled
from openai import AsyncOpenAI

from examples._env import API_KEY, BASE_URL, model

# Every agent without an explicit model client now talks to the gateway. use_for_tracing=False and
# set_tracing_disabled: the SDK would otherwise export traces to OpenAI, sending the gateway key there.
set_default_openai_client(AsyncOpenAI(base_url=BASE_URL, api_key=API_KEY, max_retries=0), use_for_tracing=False)
set_tracing_disabled(True)


async def main() -> None:
    # The SDK's default provider reads `openai/` as its own prefix and sends `gpt-5-mini`; the gateway routes a
    # bare name to its default provider. Other prefixes (anthropic/...) need namespaced_models.py.
    agent = Agent(name="Gateway assistant", instructions="Be concise.", model=model())
    result = await Runner.run(agent, "Reply with exactly ok.")
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
