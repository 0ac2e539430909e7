"""Help: the guide's considerations and the division's contact information."""

import streamlit as st

st.title("Guía de ayuda")
st.markdown("""
**Objetivo.** Realizar el registro por entidad federativa y unidad médica de las intervenciones
identificadas como Faltante o Excedente susceptibles a intercambiarse por parte del Instituto
Mexicano del Seguro Social, tanto para satisfacer las necesidades no atendidas de los
derechohabientes como para la atención a los no derechohabientes.

### Consideraciones
- **Servicios Médicos Faltantes:** todas aquellas intervenciones identificadas como necesidad al
  interior de las Unidades Médicas, las cuales no es posible proporcionar debido a la falta de
  recursos disponibles, independientemente si se resuelven por subrogación.
- **Servicios Médicos Excedentes:** todas aquellas intervenciones identificadas con capacidad para
  ser ofrecidas a pacientes adicionales a la población derechohabiente.
- **Eventos:** la cantidad de eventos **mensuales** estimados a requerir o proporcionar, según sea
  el caso, de acuerdo a la capacidad instalada de cada Unidad Médica.
- **Pacientes:** la cantidad de pacientes **mensuales** estimados a derivar a la unidad médica
  proveedora o bien a atender, de acuerdo a la capacidad instalada de cada Unidad Médica.
- **Causas:** solo para Faltantes; el motivo principal de la necesidad: Carencia de Servicio, Falta
  de Equipo, Falta de Insumos o Falta de Personal.
- **Periodo de registro:** lo fijan los acuerdos sectoriales del comité para el Intercambio de
  Servicios. Después del periodo solo se podrá consultar e imprimir el reporte generado.
- **Reporte por OOAD/UMAE:** en PDF, para que cada OOAD/UMAE revise, valide y firme. La sección de
  firmas aparece cuando la OOAD/UMAE finaliza el registro (Paso 7); antes solo existe el **reporte
  preliminar**, identificado por la leyenda «Sin Validez Oficial».
- El reporte firmado debe subirse a la herramienta (Paso 9) y enviarse de forma física a la
  División de Integración Estratégica Sectorial.
- Una vez finalizado el registro no se pueden realizar cambios; para modificar la información se
  debe solicitar la reapertura a **colaboracion.salud@imss.gob.mx**.
- **Contraseña:** cada OOAD/UMAE tiene una contraseña, la misma para todas sus unidades médicas.
  Al entrar, cada persona indica su nombre y cargo, que quedan en la bitácora.

### Los nueve pasos
1. Seleccionar OOAD/UMAE (y escribir su contraseña). 2. Indicar si alguna Unidad Médica tiene
Excedentes y/o Faltantes. 3. Seleccionar Unidad Médica. 4. Seleccionar Grupo de Servicio.
5. Seleccionar Especialidad Troncal. 6. Registrar Excedentes y Faltantes. 7. Finalizar el registro.
8. Imprimir la «Versión Final» para firmas. 9. Subir la «Versión Final» firmada.

### Información de contacto
**División de Integración Estratégica Sectorial**
- Dra. Rocío Ofelia Uc Coyoc, Titular de la División — rocio.uc@imss.gob.mx — Conmutador 55 57261700 ext. 14606
- Mtra. Ana Gabriela Pérez Reynaud, Jefe de Área — ana.perezre@imss.gob.mx — Conmutador 55 57261700 ext. 14614

Asesoría técnico-informática: Ing. Marco Fernando Andrade Cedillo — marco.andradec@imss.gob.mx —
Conmutador 55 57261700 ext. 14624

Cualquier otra ayuda, duda o asesoría: **colaboracion.salud@imss.gob.mx**
""")
