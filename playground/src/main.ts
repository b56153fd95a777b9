// The playground's entry: styles, then the controller on the page index.html lays out.
import './style.css';
import { Playground } from './app.ts';

const playground = new Playground();
// Reachable from devtools (`playground.spindle.client.request(…)`) for trying protocol calls by hand.
Object.assign(window, { playground });
playground.start().then(
  () => document.body.setAttribute('data-ready', ''),
  (error: unknown) => {
    const notice = document.getElementById('notice');
    if (notice) {
      notice.hidden = false;
      notice.classList.add('error');
      notice.textContent = `The engine did not start: ${error instanceof Error ? error.message : String(error)}`;
    }
    console.error(error);
  },
);
