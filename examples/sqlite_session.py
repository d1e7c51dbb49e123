"""SDK-managed local history: SQLiteSession replays earlier turns as input, so any route remembers.

Run: OPENAI_MODEL=anthropic/claude-sonnet-4-20250514 python -m examples.sqlite_session
It prints `code word: maple`, remembered from the first run.
"""

import asyncio
import sys

from agents import Agent, OpenAIResponsesModel, Runner, SQLiteSession, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    # The history lives on this machine (in memory here; pass db_path= to keep it on disk). Each run sends the
    # earlier turns again as input items, so the gateway needs no state of its own.
    session = SQLiteSession("example-session")
    agent = Agent(name="Memory", model=OpenAIResponsesModel(model=model(), openai_client=client()))
    await Runner.run(agent, "Remember the code word maple.", session=session)
    result = await Runner.run(agent, "What is the code word? Answer with the word only.", session=session)
    print(f"code word: {result.final_output}")
    if "maple" not in str(result.final_output).lower():
        sys.exit("the second run did not see the first one")


if __name__ == "__main__":
    asyncio.run(main())
