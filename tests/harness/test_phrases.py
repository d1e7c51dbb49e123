"""The phrase module is the scripted model's whole contract: every phrase in it is one the model acts on."""

from __future__ import annotations

import ast
import inspect

from emulators import scripted
from harness import phrases

# The scripted model's pieces (emulators/scripted/): what it acts on is read from their source.
MODEL_MODULES = (scripted.contract, scripted.hosted, scripted.intent, scripted.schema_sampler, scripted.tokens)


def test_every_phrase_constant_is_used_by_the_scripted_model() -> None:
    constants = [name for name, value in vars(phrases).items() if name.isupper() and isinstance(value, str | tuple)]
    used: set[str] = set()
    trees = [ast.parse(inspect.getsource(module)) for module in MODEL_MODULES]
    for node in (node for tree in trees for node in ast.walk(tree)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "phrases":
            used.add(node.attr)
    # a constant counts when the scripted model uses it directly or through the phrases function that renders it
    for name in list(used):
        function = getattr(phrases, name, None)
        if inspect.isfunction(function):
            used |= {n.id for n in ast.walk(ast.parse(inspect.getsource(function))) if isinstance(n, ast.Name)}
            used |= _called(function)
    assert constants and not [name for name in constants if name not in used]


def _called(function: object) -> set[str]:
    """The constants used by the phrases functions `function` calls (one level is all the module has)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(function))):  # type: ignore[arg-type]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and hasattr(phrases, node.func.id):
            inner = getattr(phrases, node.func.id)
            if inspect.isfunction(inner):
                names |= {n.id for n in ast.walk(ast.parse(inspect.getsource(inner))) if isinstance(n, ast.Name)}
    return names


def test_the_builders_write_what_the_model_reads() -> None:
    request = scripted.ScriptedRequest(messages=[scripted.Message("user", phrases.exactly("Hello there"))])
    assert scripted.reply(request).text == "Hello there"
    history = [
        scripted.Message("user", phrases.remember("kiwi")),
        scripted.Message("user", f"{phrases.CODE_WORD_QUESTION} Answer with the word only."),
    ]
    assert scripted.reply(scripted.ScriptedRequest(messages=history)).text == "kiwi"
    tools = [scripted.FunctionTool("a"), scripted.FunctionTool("b")]
    ask = scripted.ScriptedRequest(messages=[scripted.Message("user", phrases.call_tools(["a", "b"], "x=1"))])
    ask.tools = tools
    assert [c.name for c in scripted.reply(ask).function_calls] == ["a", "b"]
    one = scripted.ScriptedRequest(messages=[scripted.Message("user", phrases.call_tool("b"))], tools=tools)
    assert [c.name for c in scripted.reply(one).function_calls] == ["b"]
    hosted = scripted.ScriptedRequest(
        messages=[scripted.Message("user", phrases.use_hosted("web_search", "look it up"))],
        hosted_tools=[{"type": "web_search"}],
    )
    assert scripted.reply(hosted).text == phrases.used("web_search")
