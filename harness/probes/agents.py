"""agents: the OpenAI Agents SDK paths a gateway is used for, run for real against the target."""

from __future__ import annotations

import openai
from agents import (
    Agent,
    AgentOutputSchema,
    ItemHelpers,
    OpenAIConversationsSession,
    Runner,
    SQLiteSession,
    WebSearchTool,
    function_tool,
    handoff,
)
from agents.memory.openai_responses_compaction_session import (
    OpenAIResponsesCompactionSession,
    is_openai_model_name,
)
from pydantic import BaseModel

from harness import phrases
from harness.context import ProbeContext, require, require_model
from harness.model import Observation, Observed, ProbeSkip
from harness.probes._registry import E, R, probe

WEATHER_ASK = phrases.call_tool("get_weather", "city=Paris")


@function_tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"Sunny in {city}, 31 degrees"


def _output(result: object) -> str:
    return str(getattr(result, "final_output", "") or "")


@probe("agents.run", "Runner.run MUST complete and return the model's answer.", feature="agents")
async def run(ctx: ProbeContext) -> Observation:
    result = await Runner.run(ctx.agent(instructions="Be concise."), phrases.exactly("ok"))
    require_model(
        "ok" in _output(result).lower(), "Runner.run did not return the answer", expected="ok", received=_output(result)
    )
    return Observed.SUPPORTED


@probe("agents.run_streamed", "Runner.run_streamed MUST stream text and end with the final output.", feature="agents")
async def run_streamed(ctx: ProbeContext) -> Observation:
    result = Runner.run_streamed(ctx.agent(), phrases.exactly("streamed ok"))
    deltas = []
    async for event in result.stream_events():
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
            deltas.append(event.data.delta)
    require(deltas, "no text deltas reached the SDK", expected="response.output_text.delta events", received=0)
    require(
        "".join(deltas) == _output(result),
        "the streamed text differs from the final output",
        expected=_output(result),
        received="".join(deltas),
    )
    return Observed.SUPPORTED


def _require_uses_weather(result: object) -> None:
    """The final answer uses what the weather tool returned (a check on the model's answer)."""
    answer = _output(result)
    require_model(
        "sunny" in answer.lower(), "the answer does not use the tool result", expected="Sunny ...", received=answer
    )


@probe(
    "agents.tools.loop",
    "A function-tool loop MUST run: the model calls the tool and answers from its result.",
    feature="agents",
)
async def tools_loop(ctx: ProbeContext) -> Observation:
    result = await Runner.run(ctx.agent(tools=[get_weather]), WEATHER_ASK)
    calls = [i for i in result.new_items if i.type == "tool_call_item"]
    kinds = [i.type for i in result.new_items]
    require_model(calls, "the model never called the tool", expected="a get_weather call", received=kinds)
    _require_uses_weather(result)
    return Observed.SUPPORTED


@probe("agents.tools.loop_streamed", "A streamed function-tool loop MUST run to the final answer.", feature="agents")
async def tools_loop_streamed(ctx: ProbeContext) -> Observation:
    result = Runner.run_streamed(ctx.agent(tools=[get_weather]), WEATHER_ASK)
    kinds = [event.item.type async for event in result.stream_events() if event.type == "run_item_stream_event"]
    require_model(
        "tool_call_item" in kinds and "tool_call_output_item" in kinds,
        "the streamed run skipped the tool",
        expected="a get_weather call and its output",
        received=kinds,
    )
    _require_uses_weather(result)
    return Observed.SUPPORTED


@probe("agents.handoff", "A handoff (a model tool call) MUST transfer the run to the other agent.", feature="agents")
async def handoffs(ctx: ProbeContext) -> Observation:
    specialist = ctx.agent(name="Weather agent", instructions="You answer weather questions.")
    triage = ctx.agent(name="Triage agent", handoffs=[handoff(specialist)])
    result = await Runner.run(triage, phrases.call_tool("transfer_to_weather_agent"))
    require_model(
        result.last_agent.name == "Weather agent",
        "the handoff did not happen",
        expected="Weather agent",
        received=result.last_agent.name,
    )
    return Observed.SUPPORTED


@probe("agents.as_tool", "An agent used as a tool MUST be called and its answer used.", feature="agents")
async def as_tool(ctx: ProbeContext) -> Observation:
    specialist = ctx.agent(name="Specialist", instructions="Answer briefly.")
    tool = specialist.as_tool(tool_name="ask_specialist", tool_description="Ask the specialist.")
    orchestrator = ctx.agent(name="Orchestrator", tools=[tool])
    result = await Runner.run(orchestrator, phrases.call_tool("ask_specialist", "input=hello"))
    outputs = [i for i in result.new_items if i.type == "tool_call_output_item"]
    kinds = [i.type for i in result.new_items]
    require_model(outputs, "the agent tool was never called", expected="a call to ask_specialist", received=kinds)
    require(_output(result), "no final answer", received=_output(result))
    return Observed.SUPPORTED


@probe(
    "agents.session.sqlite",
    "SQLiteSession history MUST carry across runs (the code word is remembered).",
    feature="agents",
)
async def session_sqlite(ctx: ProbeContext) -> Observation:
    session = SQLiteSession("conformance")
    agent = ctx.agent()
    await Runner.run(agent, phrases.remember("maple"), session=session)
    result = await Runner.run(agent, f"{phrases.CODE_WORD_QUESTION} Answer with the word only.", session=session)
    require_model(
        "maple" in _output(result).lower(), "the session history was lost", expected="maple", received=_output(result)
    )
    return Observed.SUPPORTED


@probe(
    "agents.session.conversations",
    "OpenAIConversationsSession MUST keep history in /v1/conversations, or the API be rejected cleanly.",
    feature="conversations",
    native=E,
    chat=E,
)
async def session_conversations(ctx: ProbeContext) -> Observation:
    session = OpenAIConversationsSession(openai_client=ctx.client)
    agent = ctx.agent()
    try:
        await Runner.run(agent, phrases.remember("cobalt"), session=session)
    except openai.APIStatusError as err:
        return ctx.rejected(err)
    result = await Runner.run(agent, f"{phrases.CODE_WORD_QUESTION} Answer with the word only.", session=session)
    require(
        "cobalt" in _output(result).lower(),
        "the conversation session lost its history",
        expected="cobalt",
        received=_output(result),
    )
    return Observed.SUPPORTED


@probe(
    "agents.previous_response_id",
    "Chaining runs with previous_response_id MUST remember, or be rejected cleanly.",
    feature="state.previous_response_id",
    chat=E,
)
async def previous_response_id(ctx: ProbeContext) -> Observation:
    agent = ctx.agent()
    first = await Runner.run(agent, phrases.remember("thistle"))
    try:
        second = await Runner.run(
            agent,
            f"{phrases.CODE_WORD_QUESTION} Answer with the word only.",
            previous_response_id=first.last_response_id,
        )
    except openai.BadRequestError as err:
        return ctx.rejected(err, mentions="previous_response_id")
    require_model(
        "thistle" in _output(second).lower(),
        "the chained run forgot the first one",
        expected="thistle",
        received=_output(second),
    )
    return Observed.SUPPORTED


class City(BaseModel):
    city: str
    population: int


@probe(
    "agents.structured_output",
    "An Agent output_type MUST come back as a valid instance, or be rejected cleanly.",
    feature="structured.json_schema",
    chat=E,
)
async def structured_output(ctx: ProbeContext) -> Observation:
    agent = ctx.agent(output_type=AgentOutputSchema(City, strict_json_schema=True))
    try:
        result = await Runner.run(agent, "Describe Paris with its city name and population.")
    except openai.BadRequestError as err:
        return ctx.rejected(err, mentions="format")
    require(isinstance(result.final_output, City), "the output is not a City", received=repr(result.final_output))
    return Observed.SUPPORTED


@probe(
    "agents.hosted_tool",
    "A hosted WebSearchTool MUST run upstream or surface as openai.BadRequestError naming "
    "the tool type; never a run that silently lost the tool.",
    feature="hosted.web_search",
    native=E,
    chat=R,
)
async def hosted_tool(ctx: ProbeContext) -> Observation:
    agent = ctx.agent(tools=[WebSearchTool()])
    try:
        result = await Runner.run(agent, phrases.use_hosted("web_search", "find the weather in Paris"))
    except openai.BadRequestError as err:
        return ctx.rejected(err, mentions="web_search")
    kinds = [item.type for response in result.raw_responses for item in response.output]
    require(
        "web_search_call" in kinds,
        "the run succeeded without any web search: the tool was dropped",
        expected="a web_search_call item",
        received=kinds,
    )
    return Observed.SUPPORTED


@probe(
    "agents.multiprovider",
    "A namespaced model id through MultiProvider(model_id pass-through) MUST reach the gateway unchanged and run.",
    feature="agents",
)
async def multiprovider(ctx: ProbeContext) -> Observation:
    agent = Agent(name="Gateway assistant", model=ctx.model)
    result = await Runner.run(agent, phrases.exactly("ok"), run_config=ctx.run_config())
    answer = _output(result)
    require_model("ok" in answer.lower(), "the pass-through run did not answer", expected="ok", received=answer)
    return Observed.SUPPORTED


@probe(
    "agents.compaction",
    "OpenAIResponsesCompactionSession MUST compact through the gateway and keep the facts, "
    "or compaction be rejected cleanly.",
    feature="compact",
    native=E,
    chat=E,
)
async def compaction(ctx: ProbeContext) -> Observation:
    if not is_openai_model_name(ctx.model):
        raise ProbeSkip("the SDK's compaction session only accepts OpenAI model names")
    session = OpenAIResponsesCompactionSession(
        "conformance",
        SQLiteSession("conformance-compaction"),
        client=ctx.client,
        model=ctx.model,
        compaction_mode="input",
        should_trigger_compaction=lambda _: True,
    )
    agent = ctx.agent()
    try:
        await Runner.run(agent, phrases.remember("cedar"), session=session)
    except openai.APIStatusError as err:
        return ctx.rejected(err, statuses=(400, 404, 422, 501))
    items = await session.get_items()
    require(
        any(i.get("type") == "compaction" for i in items if isinstance(i, dict)),
        "the session was not compacted",
        received=[i.get("type") for i in items if isinstance(i, dict)],
    )
    result = await Runner.run(agent, f"{phrases.CODE_WORD_QUESTION} Answer with the word only.", session=session)
    require_model(
        "cedar" in _output(result).lower(),
        "the compacted session lost the code word",
        expected="cedar",
        received=ItemHelpers.text_message_outputs(result.new_items),
    )
    return Observed.SUPPORTED
