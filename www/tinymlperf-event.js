// <tinymlperf-event event="cnn_marathon" budget="10"></tinymlperf-event>
// An ES-module custom element for sites that prefer a script tag to an <iframe>:
//   <script type="module" src="https://HOST/www/tinymlperf-event.js"></script>
// It renders the page's embed mode (index.html?embed=1&event=…) in a sandbox-free iframe it sizes
// itself, because the engine needs its own origin for its worker and, ideally, cross-origin isolation.
const BASE = new URL('../', import.meta.url);

class TinyMLPerfEvent extends HTMLElement {
  static observedAttributes = ['event', 'budget'];

  connectedCallback() {
    this.render();
    // The embedded card reports its height; only messages from our own iframe are used.
    this.onMessage ??= (e) => {
      const frame = this.shadowRoot?.querySelector('iframe');
      if (frame && e.source === frame.contentWindow && e.data?.type === 'tinymlperf:height' && e.data.height > 0) {
        frame.style.height = `${Math.min(2000, e.data.height)}px`;
      }
    };
    window.addEventListener('message', this.onMessage);
  }

  disconnectedCallback() { window.removeEventListener('message', this.onMessage); }
  attributeChangedCallback() { if (this.isConnected) this.render(); }

  render() {
    const event = this.getAttribute('event') || 'mlp_sprint';
    const src = new URL('index.html', BASE);
    src.searchParams.set('embed', '1');
    src.searchParams.set('event', event);
    if (this.getAttribute('budget')) src.searchParams.set('budget', this.getAttribute('budget'));
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    let frame = root.querySelector('iframe');
    if (!frame) {
      const style = document.createElement('style');
      style.textContent = ':host{display:block;max-width:460px}iframe{display:block;width:100%;height:var(--tinymlperf-height,560px);border:0;border-radius:10px}';
      frame = document.createElement('iframe');
      frame.setAttribute('allow', 'cross-origin-isolated');
      frame.setAttribute('loading', 'lazy');
      root.append(style, frame);
    }
    frame.title = `TinyMLPerf event: ${event}`;
    if (frame.src !== src.href) frame.src = src.href;
  }
}

if (!customElements.get('tinymlperf-event')) customElements.define('tinymlperf-event', TinyMLPerfEvent);
export { TinyMLPerfEvent };
