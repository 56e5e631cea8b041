// Spine Coach browser simulator. Plain JS, no libraries: every turn is one POST to /simulator/api/turn, and the
// page shows what Alexa would do with the skill's response (speech, reprompt, card, screen, session).
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const USER_KEY = "spineCoach.userId";
  const state = { sessionId: null, locale: "en-US", screen: false, countdown: null };
  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;

  // ------------------------------------------------------------------------------------------ transcript

  function addLine(kind, text, extra) {
    const div = document.createElement("div");
    div.className = "turn " + kind;
    div.textContent = text;
    for (const [cls, value] of extra || []) {
      if (!value) continue;
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = value;
      div.appendChild(span);
    }
    $("transcript").appendChild(div);
    $("transcript").scrollTop = $("transcript").scrollHeight;
    return div;
  }

  function describe(exchange) {
    const parts = [exchange.intent || "?"];
    const r = exchange.resolution;
    if (r) {
      parts.push(r.confidence.toFixed(2));
      if (r.nearest && exchange.intent === "AMAZON.FallbackIntent") parts.push("(nearest " + r.nearest + ")");
    }
    const slots = Object.entries(exchange.slots || {}).map(([k, v]) => k + "=" + v);
    if (slots.length) parts.push(slots.join(" "));
    parts.push(exchange.session_open ? "· session open" : "· session closed");
    return parts.join(" ");
  }

  // ------------------------------------------------------------------------------------------ panels

  function showCard(card) {
    $("card-title").textContent = card ? card.title : "";
    $("card-text").textContent = card ? card.text : "No card in this response.";
  }

  function showJson(exchange) {
    $("attributes").textContent = JSON.stringify(exchange.session_attributes || {}, null, 2);
    $("request-json").textContent = JSON.stringify(exchange.request, null, 2);
    $("response-json").textContent = JSON.stringify(exchange.response, null, 2);
  }

  function showReminders(reminders) {
    // What the local fake Alexa API holds for this user: time, zone, how often, and what Alexa will say.
    const list = $("reminders");
    list.textContent = "";
    if (!reminders || !reminders.length) {
      list.appendChild(el("li", "empty", "No reminders."));
      return;
    }
    for (const r of reminders) {
      list.appendChild(el("li", "reminder", (r.time || "") + " " + (r.zone || "") + " · " + (r.rule || "once") +
        " · " + (r.text || "")));
    }
  }

  function showSessionState(open) {
    const badge = $("session-state");
    badge.textContent = open ? "session open" : "session closed";
    badge.classList.toggle("open", open);
  }

  // ------------------------------------------------------------------------------------------ screen (APL)

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function stopCountdown() {
    if (state.countdown) {
      clearTimeout(state.countdown.start);
      clearInterval(state.countdown.tick);
      state.countdown = null;
    }
  }

  function clearScreen(message) {
    stopCountdown();
    const screen = $("screen");
    screen.replaceChildren(el("div", "empty", message || "Nothing on screen"));
  }

  // The document's AVG vector graphic (paths only, which is all our documents use) drawn as SVG.
  function graphic(avg) {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + (avg.width || 200) + " " + (avg.height || 120));
    svg.setAttribute("class", "graphic");
    svg.setAttribute("role", "img");
    for (const item of avg.items || []) {
      if (item.type !== "path" || !item.pathData) continue;
      const path = document.createElementNS(NS, "path");
      path.setAttribute("d", item.pathData);
      path.setAttribute("fill", item.fill || "transparent");
      if (item.stroke) path.setAttribute("stroke", item.stroke);
      if (item.strokeWidth) path.setAttribute("stroke-width", String(item.strokeWidth));
      if (item.strokeLineCap) path.setAttribute("stroke-linecap", item.strokeLineCap);
      if (item.strokeLineJoin) path.setAttribute("stroke-linejoin", item.strokeLineJoin);
      svg.appendChild(path);
    }
    return svg;
  }

  // A simple HTML reading of the skill's APL documents: the same fields (datasources.spine.*) the device binds.
  function renderScreen(data, apl) {
    stopCountdown();
    const screen = $("screen");
    screen.replaceChildren();
    screen.dataset.kind = data.kind || "";
    if (data.kind !== "step") {
      screen.appendChild(el("h3", "answer-title", data.title));
      screen.appendChild(el("div", "text", data.text));
      if (data.hint) screen.appendChild(el("div", "hint", data.hint));
      return;
    }
    if (data.title) screen.appendChild(el("div", "title", data.title));
    const graphics = (apl && apl.document && apl.document.graphics) || {};
    const head = el("div", "step-head");
    if (data.graphic && graphics[data.graphic]) head.appendChild(graphic(graphics[data.graphic]));
    head.appendChild(el("h3", "stretch-name", data.stretch_name));
    screen.appendChild(head);
    // The screen counts as the voice does: stretch N of M (and the side), never by step.
    const steps = Math.max(1, Number(data.stretch_count) || 1);
    const step = Number(data.stretch_number) || 1;
    screen.appendChild(el("div", "step-text", data.position_text || (step + " / " + steps)));
    const progress = el("div", "bar routine-progress");
    const filled = el("div");
    filled.style.width = Math.round((step / steps) * 100) + "%";
    progress.appendChild(filled);
    progress.setAttribute("role", "progressbar");
    progress.setAttribute("aria-valuenow", String(step));
    progress.setAttribute("aria-valuemax", String(steps));
    screen.appendChild(progress);
    if (data.side_text) screen.appendChild(el("div", "side-text", data.side_text));
    if (data.rep_text) screen.appendChild(el("div", "rep-text", data.rep_text));
    const hold = Number(data.hold_seconds) || 0;
    const holdRow = el("div", "hold");
    const count = el("span", "countdown", hold);
    holdRow.appendChild(count);
    holdRow.appendChild(el("span", "hold-text", data.hold_text || ""));
    screen.appendChild(holdRow);
    const holdBar = el("div", "bar hold-bar");
    const holdFill = el("div");
    holdBar.appendChild(holdFill);
    screen.appendChild(holdBar);
    if (data.counting && hold > 0) {
      // Like the APL document: the count starts when the spoken hold starts (hold_start_ms after the reply).
      const countdown = { start: null, tick: null };
      countdown.start = setTimeout(() => {
        let left = hold;
        countdown.tick = setInterval(() => {
          left = Math.max(0, left - 1);
          count.textContent = String(left);
          holdFill.style.width = Math.round((left / hold) * 100) + "%";
          if (left === 0) clearInterval(countdown.tick);
        }, 1000);
      }, Number(data.hold_start_ms) || 0);
      state.countdown = countdown;
    }
    if (data.hint) screen.appendChild(el("div", "hint", data.hint));
    const buttons = el("div", "apl-buttons");
    for (const b of data.buttons || []) {
      const button = el("button", "apl-button", b.label);
      button.type = "button";
      button.dataset.event = b.event;
      button.addEventListener("click", () => send({ touch: [b.event] }, "(touch " + b.label + ")"));
      buttons.appendChild(button);
    }
    screen.appendChild(buttons);
  }

  // ------------------------------------------------------------------------------------------ voice

  function speak(text) {
    if (!$("voice-toggle").checked || !window.speechSynthesis || !text) return;
    try {
      window.speechSynthesis.cancel();
      const utterance = new SpeechSynthesisUtterance(text.replace(/…/g, ", "));
      utterance.lang = state.locale;
      const voice = window.speechSynthesis.getVoices().find((v) => v.lang === state.locale) ||
        window.speechSynthesis.getVoices().find((v) => v.lang && v.lang.startsWith(state.locale.slice(0, 2)));
      if (voice) utterance.voice = voice;
      window.speechSynthesis.speak(utterance);
    } catch (err) {
      console.warn("speechSynthesis failed", err);
    }
  }

  function setUpRecognition() {
    if (!Recognition) return; // the Speak button stays hidden
    const button = $("speak");
    button.hidden = false;
    let recognition = null;
    button.addEventListener("click", () => {
      if (recognition) { recognition.stop(); return; }
      recognition = new Recognition();
      recognition.lang = state.locale;
      recognition.interimResults = false;
      recognition.maxAlternatives = 1;
      button.classList.add("listening");
      button.textContent = "Listening…";
      recognition.onresult = (event) => {
        const text = event.results[0][0].transcript;
        $("utterance").value = text;
        sayTyped();
      };
      recognition.onerror = (event) => addLine("error", "Speech recognition: " + event.error);
      recognition.onend = () => {
        recognition = null;
        button.classList.remove("listening");
        button.textContent = "Speak";
      };
      recognition.start();
    });
  }

  // ------------------------------------------------------------------------------------------ turns

  async function send(payload, label) {
    const body = Object.assign({
      session_id: state.sessionId,
      user_id: localStorage.getItem(USER_KEY),
      locale: state.locale,
      screen: state.screen,
    }, payload);
    if (label) addLine("user", label);
    let reply;
    try {
      const res = await fetch("/simulator/api/turn", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      reply = await res.json();
      if (!res.ok) throw new Error(reply.error || res.statusText);
    } catch (err) {
      addLine("error", "Error: " + err.message);
      return null;
    }
    state.sessionId = reply.session_id;
    if (reply.user_id) localStorage.setItem(USER_KEY, reply.user_id);
    showSessionState(reply.session_open);
    showReminders(reply.reminders);
    const exchange = reply.exchange;
    if (!exchange) {
      if (payload.permission) {
        addLine("note", "Reminders permission " + (payload.permission === "grant" ? "granted" : "refused") +
          " (as in the Alexa app).");
      } else {
        addLine("note", "No session was open.");
      }
      return reply;
    }
    if (exchange.kind === "end") {
      addLine("note", "SessionEndedRequest (" + exchange.request.request.reason + "): the session is closed.");
    } else if (exchange.asks_permission) {
      addLine("alexa", "Alexa (asks the user): Do you give Spine Coach permission to set reminders? " +
        "Say I approve, or no.", [["meta", describe(exchange) + " · Connections.SendRequest AskFor: " +
        "answer with Allow reminders / Refuse reminders, or say I approve / no"]]);
      showCard(exchange.card);
    } else {
      addLine("alexa", "Alexa: " + (exchange.speech_text || "(says nothing)"), [
        ["reprompt", exchange.reprompt_text ? "Reprompt: " + exchange.reprompt_text : ""],
        ["meta", describe(exchange)],
      ]);
      showCard(exchange.card);
      speak(exchange.speech_text);
    }
    showJson(exchange);
    if (exchange.screen) renderScreen(exchange.screen, exchange.apl);
    else if (!reply.session_open) clearScreen("Session closed");
    return reply;
  }

  function sayTyped() {
    const input = $("utterance");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ utterance: text }, "You: " + text);
  }

  async function deviceChanged(what) {
    // Another locale or device is another conversation: end the open one first, as a new device would.
    await send({ new: true });
    clearScreen();
    addLine("note", what + ": the next line starts a new session.");
  }

  // ------------------------------------------------------------------------------------------ start

  async function loadLocales() {
    const select = $("locale");
    try {
      const res = await fetch("/simulator/api/locales");
      const data = await res.json();
      for (const locale of data.locales) select.appendChild(new Option(locale, locale));
      select.value = data.default;
      state.locale = select.value;
    } catch (err) {
      addLine("error", "Could not load locales: " + err.message);
    }
    document.documentElement.lang = state.locale;
    document.body.dataset.ready = "true";
  }

  $("say-form").addEventListener("submit", (event) => { event.preventDefault(); sayTyped(); });
  $("launch").addEventListener("click", () => send({ launch: true }, "(opens the skill)"));
  $("new-session").addEventListener("click", async () => {
    await send({ new: true });
    addLine("note", "The next line starts a new session.");
  });
  $("end-session").addEventListener("click", () => send({ end: true }, "(ends the session)"));
  $("grant-reminders").addEventListener("click", () => send({ permission: "grant" }, "(allows reminders)"));
  $("refuse-reminders").addEventListener("click", () => send({ permission: "refuse" }, "(refuses reminders)"));
  $("new-user").addEventListener("click", () => {
    localStorage.removeItem(USER_KEY);
    state.sessionId = null;
    clearScreen();
    addLine("note", "A new user: the next line starts a new session with no progress.");
  });
  $("locale").addEventListener("change", (event) => {
    state.locale = event.target.value;
    document.documentElement.lang = state.locale;
    deviceChanged("Locale " + state.locale);
  });
  $("screen-toggle").addEventListener("change", (event) => {
    state.screen = event.target.checked;
    $("screen-section").hidden = !state.screen;
    deviceChanged(state.screen ? "A device with a screen" : "A device without a screen");
  });
  if (!window.speechSynthesis) $("voice-toggle").parentElement.hidden = true;
  setUpRecognition();
  loadLocales();
})();
