import { onBeforeUnmount, ref } from "vue";

/** True on phone-sized screens (< 768 px wide): cards instead of tables, labels on top. */
export function useIsPhone() {
  const query = window.matchMedia("(max-width: 767px)");
  const isPhone = ref(query.matches);
  const update = (event: MediaQueryListEvent) => (isPhone.value = event.matches);
  query.addEventListener("change", update);
  onBeforeUnmount(() => query.removeEventListener("change", update));
  return isPhone;
}
