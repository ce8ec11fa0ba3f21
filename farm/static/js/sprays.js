/* The spray form: a product picked from the park's list fills its registration number, active ingredient and
   interval: the one its label states for the crop growing in the greenhouse picked, else its default (still
   editable). No framework. */
(function () {
  "use strict";
  var product = document.getElementById("f-product");
  if (!product) return;
  var options = document.querySelectorAll("#products option");
  var greenhouse = document.getElementById("f-greenhouse");
  function interval(o) {
    var crop = greenhouse.options[greenhouse.selectedIndex].getAttribute("data-crop") || "";
    var byCrop = JSON.parse(o.getAttribute("data-crops") || "{}");
    return crop && byCrop[crop] !== undefined ? String(byCrop[crop]) : o.getAttribute("data-phi");
  }
  function fill() {
    for (var i = 0; i < options.length; i++) {
      var o = options[i];
      if (o.value === product.value.trim()) {
        document.getElementById("f-registration_no").value = o.getAttribute("data-registration");
        document.getElementById("f-active_ingredient").value = o.getAttribute("data-ingredient");
        document.getElementById("f-phi_days").value = interval(o);
        return;
      }
    }
  }
  product.addEventListener("change", fill);
  product.addEventListener("input", fill);
  greenhouse.addEventListener("change", fill);
})();
