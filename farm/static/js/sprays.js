/* The spray form: a product picked from the park's list fills its registration number, active ingredient and
   interval (still editable, e.g. for a crop whose label states another interval). No framework. */
(function () {
  "use strict";
  var product = document.getElementById("f-product");
  if (!product) return;
  var options = document.querySelectorAll("#products option");
  function fill() {
    for (var i = 0; i < options.length; i++) {
      var o = options[i];
      if (o.value === product.value.trim()) {
        document.getElementById("f-registration_no").value = o.getAttribute("data-registration");
        document.getElementById("f-active_ingredient").value = o.getAttribute("data-ingredient");
        document.getElementById("f-phi_days").value = o.getAttribute("data-phi");
        return;
      }
    }
  }
  product.addEventListener("change", fill);
  product.addEventListener("input", fill);
})();
