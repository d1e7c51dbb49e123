"""Namespaced gateway model IDs (anthropic/..., gemini/...) reach the gateway unchanged through MultiProvider.

Without model-ID pass-through the SDK reads `anthropic/` as a provider prefix of its own and refuses it.
Run: OPENAI_MODEL=anthropic/claude-sonnet-4-20250514 python -m examples.namespaced_models
It prints `ok`.
"""

import asyncio

from agents import Agent, MultiProvider, RunConfig, Runner, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)

# model_id mode: send `anthropic/claude-...` and `openai/gpt-...` to the gateway exactly as written.
run_config = RunConfig(
    model_provider=MultiProvider(openai_client=client(), unknown_prefix_mode="model_id", openai_prefix_mode="model_id")
)


async def main() -> None:
    agent = Agent(
        name="Gateway assistant", instructions="Be concise.", model=model("anthropic/claude-sonnet-4-20250514")
    )
    result = await Runner.run(agent, "Reply with exactly ok.", run_config=run_config)
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
