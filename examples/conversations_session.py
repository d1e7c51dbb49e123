"""Server-managed history: OpenAIConversationsSession keeps the conversation in the gateway's /v1/conversations.

Run: python -m examples.conversations_session
It prints the conversation's ID, then `code word: cobalt`, remembered by the gateway between the two runs.
"""

import asyncio
import sys

from agents import Agent, OpenAIConversationsSession, OpenAIResponsesModel, Runner, set_tracing_disabled

from examples._env import client, model

set_tracing_disabled(True)


async def main() -> None:
    openai_client = client()
    # The session creates a conversation on the gateway at first use and appends every turn's items to it.
    session = OpenAIConversationsSession(openai_client=openai_client)
    agent = Agent(name="Memory", model=OpenAIResponsesModel(model=model(), openai_client=openai_client))
    await Runner.run(agent, "Remember the code word cobalt.", session=session)
    result = await Runner.run(agent, "What is the code word? Answer with the word only.", session=session)
    print(f"conversation: {session.session_id}")
    print(f"code word: {result.final_output}")
    if "cobalt" not in str(result.final_output).lower():
        sys.exit("the gateway's conversation did not carry the first turn")


if __name__ == "__main__":
    asyncio.run(main())
