// The viewer page make_client() opens: start the viewer once the stand-in's Firefly API is loaded.
window.onFireflyLoaded = function (firefly) {
  const start = () => firefly.util.startAsAppFromApi('app', {});
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
};
