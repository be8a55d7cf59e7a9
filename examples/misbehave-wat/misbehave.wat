;; Misbehaves on purpose, with no language engine and no WASI imports, so that
;; the sandbox's limits (time, memory, stack) can be tested against it.
(component
  (core module $m
    (memory (export "memory") 1)
    ;; Loops forever: only the host's timeout can end the call.
    (func (export "spin")
      (loop $forever (br $forever)))
    ;; Executes `unreachable`.
    (func (export "trap")
      unreachable)
    ;; Grows memory by mib MiB (16 pages each), touches every new page so it
    ;; is really committed, and returns the total page count. Traps when the
    ;; memory cannot grow (out of memory).
    (func (export "grow-memory") (param $mib i32) (result i32)
      (local $old i32)
      (local $page i32)
      (local.set $old (memory.grow (i32.mul (local.get $mib) (i32.const 16))))
      (if (i32.eq (local.get $old) (i32.const -1)) (then unreachable))
      (local.set $page (local.get $old))
      (block $done
        (loop $touch
          (br_if $done (i32.ge_u (local.get $page) (memory.size)))
          (i32.store8 (i32.mul (local.get $page) (i32.const 65536)) (i32.const 1))
          (local.set $page (i32.add (local.get $page) (i32.const 1)))
          (br $touch)))
      (memory.size))
    ;; Recurses depth times and returns depth; a deep enough call overflows the stack.
    (func $recurse (export "recurse") (param $depth i32) (result i32)
      (if (result i32) (i32.eqz (local.get $depth))
        (then (i32.const 0))
        (else
          (i32.add
            (call $recurse (i32.sub (local.get $depth) (i32.const 1)))
            (i32.const 1)))))
  )
  (core instance $i (instantiate $m))
  (func (export "spin") (canon lift (core func $i "spin")))
  (func (export "trap") (canon lift (core func $i "trap")))
  (func (export "grow-memory") (param "mib" u32) (result u32) (canon lift (core func $i "grow-memory")))
  (func (export "recurse") (param "depth" u32) (result u32) (canon lift (core func $i "recurse")))
)
