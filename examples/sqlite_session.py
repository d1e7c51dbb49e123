"""SDK-managed local history: SQLiteSession replays earlier turns as input, so any route remembers.

Run: OPENAI_MODEL=anthropic/claude-sonnet-4-20250514 python -m examples.sqlite_session
"""

import asyncio

from agents import Agent, OpenAIResponsesModel, Runner, SQLiteSession, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    session = SQLiteSession("example-session")  # in memory; pass db_path= to keep it on disk
    agent = Agent(name="Memory", model=OpenAIResponsesModel(model=model(), openai_client=client()))
    await Runner.run(agent, "Remember the code word maple.", session=session)
    result = await Runner.run(agent, "What is the code word? Answer with the word only.", session=session)
    print(f"code word: {result.final_output}")


if __name__ == "__main__":
    asyncio.run(main())
